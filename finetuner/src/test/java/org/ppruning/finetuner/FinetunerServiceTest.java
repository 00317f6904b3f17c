package org.ppruning.finetuner;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.ppruning.finetuner.grpc.PingGrpc;
import org.ppruning.finetuner.grpc.PingReply;
import org.ppruning.finetuner.grpc.PingRequest;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The finetuner runs TensorFlow Java 1.1.0 (protobuf 3.21 generated code) and Quarkus gRPC
 * (protobuf 4.33 generated code) on one protobuf-java 4.33 runtime.
 */
@QuarkusTest
class FinetunerServiceTest {

  @GrpcClient("ping")
  PingGrpc.PingBlockingStub ping;

  @GrpcClient("ping")
  Channel pingChannel;

  @Test
  void readyWhenTensorFlowLoadsAndWorkDirIsWritable() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", is("UP"))
        .body("checks.name", hasItem("finetuner-runtime"))
        .body(
            "checks.find { it.name == 'finetuner-runtime' }.data.tensorflow",
            is(TensorFlow.version()))
        .body(
            "checks.find { it.name == 'finetuner-runtime' }.data.work-dir",
            is(Path.of("target/work").toAbsolutePath().toString()));
  }

  @Test
  void servesPrometheusMetrics() {
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"));
  }

  @Test
  void pingAnswersThroughTheGrpcServer() {
    PingReply reply = ping.ping(PingRequest.newBuilder().setPayload("héllo, 世界").build());

    assertEquals("héllo, 世界", reply.getPayload());
    assertEquals("finetuner", reply.getService());
    assertEquals(TensorFlow.version(), reply.getTensorflowVersion());
    // The call went over the network to the server's (random) test port.
    int serverPort =
        ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    int clientPort = URI.create("grpc://" + pingChannel.authority()).getPort();
    assertNotEquals(0, serverPort);
    assertEquals(serverPort, clientPort);
  }

  /**
   * Graph built with TF Java (variables, one of them reassigned before export) plus two constants
   * imported from a GraphDef whose TensorProtos use float_val and int_val, as TF1 Python exports
   * such as BERT's do: parsing those is what breaks TF Java 1.1.0 on protobuf 4.26-4.28.
   */
  @Test
  void savedModelWithVariablesExportsLoadsAndRuns() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target"), "saved-model-");
    float[][] input = {{1f, 0f, 0f}, {0f, 1f, 1f}};
    // y = x . (2 w) + b + offset; total = sum of y over axis 1.
    float[][] expectedY = {{3f, 3.5f}, {17f, 19.5f}};
    float[] expectedTotal = {6.5f, 36.5f};

    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      graph.importGraphDef(
          GraphDef.newBuilder()
              .addNode(
                  constant(
                      "offset",
                      TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(0.5f)))
              .addNode(
                  constant(
                      "axis", TensorProto.newBuilder().setDtype(DataType.DT_INT32).addIntVal(1)))
              .build());
      Operand<TFloat32> offset = graph.operation("offset").output(0);
      Operand<TInt32> axis = graph.operation("axis").output(0);

      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Variable<TFloat32> w =
          tf.withName("w").variable(tf.constant(new float[][] {{1f, 2f}, {3f, 4f}, {5f, 6f}}));
      Variable<TFloat32> b = tf.withName("b").variable(tf.constant(new float[] {0.5f, -1f}));
      Operand<TFloat32> xw = tf.linalg.matMul(x, w); // [batch, 2]
      Operand<TFloat32> y = tf.withName("y").math.add(tf.math.add(xw, b), offset); // [batch, 2]
      Operand<TFloat32> total = tf.withName("total").sum(y, axis); // [batch]
      Assign<TFloat32> doubleW = tf.assign(w, tf.math.mul(w, tf.constant(2f)));
      session.initialize();
      session.run(doubleW); // the export must carry this value, not the initializer's

      try (TFloat32 in = TFloat32.tensorOf(StdArrays.ndCopyOf(input));
          Result out = session.runner().feed(x, in).fetch(y).run()) {
        assertArrayEquals(expectedY, StdArrays.array2dCopyOf((TFloat32) out.get(0)));
      }
      Signature signature =
          Signature.builder()
              .key(Signature.DEFAULT_KEY)
              .input("x", x)
              .output("y", y)
              .output("total", total)
              .build();
      SavedModelBundle.exporter(dir.toString())
          .withSession(session)
          .withSignature(signature)
          .export();
    }

    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")), "saved_model.pb in " + dir);
    try (SavedModelBundle model = SavedModelBundle.load(dir.toString(), "serve");
        TFloat32 in = TFloat32.tensorOf(StdArrays.ndCopyOf(input));
        Result out = model.function(Signature.DEFAULT_KEY).call(Map.of("x", in))) {
      assertArrayEquals(expectedY, StdArrays.array2dCopyOf((TFloat32) out.get("y").orElseThrow()));
      assertArrayEquals(
          expectedTotal, StdArrays.array1dCopyOf((TFloat32) out.get("total").orElseThrow()));
      // The Java side parsed the MetaGraphDef, float_val and int_val included.
      Map<String, TensorProto> constants = new HashMap<>();
      for (NodeDef node : model.metaGraphDef().getGraphDef().getNodeList()) {
        if (node.getName().equals("offset") || node.getName().equals("axis")) {
          constants.put(node.getName(), node.getAttrOrThrow("value").getTensor());
        }
      }
      assertEquals(List.of(0.5f), constants.get("offset").getFloatValList());
      assertEquals(List.of(1), constants.get("axis").getIntValList());
    }
  }

  private static NodeDef.Builder constant(String name, TensorProto.Builder scalar) {
    DataType type = scalar.getDtype();
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(type).build())
        .putAttr(
            "value",
            AttrValue.newBuilder()
                .setTensor(scalar.setTensorShape(TensorShapeProto.getDefaultInstance()))
                .build());
  }
}
