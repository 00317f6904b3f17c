package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tf.SignatureDef;
import org.ppruning.serving.tf.TensorInfo;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tfs.ClassificationRequest;
import org.ppruning.serving.tfs.ClassificationResponse;
import org.ppruning.serving.tfs.ExampleList;
import org.ppruning.serving.tfs.GetModelMetadataRequest;
import org.ppruning.serving.tfs.GetModelStatusRequest;
import org.ppruning.serving.tfs.Input;
import org.ppruning.serving.tfs.ModelServiceGrpc;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.ModelVersionStatus;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.ppruning.tokenize.TextTokenizer;

/**
 * A stock TensorFlow Serving client of another language against the real gRPC server on a tiny real
 * model: Node.js with {@code @grpc/grpc-js} and {@code @grpc/proto-loader} (exact versions, {@code
 * src/test/node/tfs-client}) loading the TF Serving protos of {@code src/main/proto} (TensorFlow
 * Serving's field numbers) at run time, calling Predict (token ids as tensor_content and as
 * int_val), Classify, GetModelMetadata and GetModelStatus, then the 3 MB Predict. Every
 * number, shape, version and state it prints equals what the Java gRPC client gets; the 3 MB
 * Predict is refused within a second naming the batch limit. Tagged {@code real} (runs with {@code
 * -Preal-models}, the README's test command): it needs {@code node} (skipped with a message without
 * it) and {@code npm}, and npm packages on its first run.
 */
@QuarkusTest
@Tag("real")
class NodeClientTest {
  static final List<String> TEXTS = List.of("the movie was good", "a boring film .");

  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @GrpcClient("serving")
  ModelServiceGrpc.ModelServiceBlockingStub models;

  @GrpcClient("serving")
  Channel channel;

  @Inject ServingRegistry registry;

  @Test
  void nodeClientGetsTheJavaClientsAnswers() throws Exception {
    Path tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
    long v = LargePredictTest.serveTiny(registry, "node", tokenizer, 51);
    TokenBatch b;
    try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
      b = tok.encode(TEXTS, null, 24);
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("address", channel.authority());
    request.put("protoDir", Path.of("src/main/proto").toAbsolutePath().toString());
    request.put("model", "node");
    request.put("shape", List.of(b.size(), b.seqLen()));
    request.put(
        "inputs",
        Map.of(
            "input_ids", b.inputIds(),
            "attention_mask", b.attentionMask(),
            "token_type_ids", b.tokenTypeIds()));
    request.put("texts", TEXTS);
    request.put("large", List.of(2048, 128));
    JsonNode node = NodeClient.run(new ObjectMapper().writeValueAsString(request));

    ModelSpec spec = ModelSpec.newBuilder().setName("node").build();
    PredictResponse p = tfs.predict(ServingGrpcTest.predict("node", b).build());
    assertTrue(p.getOutputsCount() > 0, p.getOutputsMap().keySet().toString());
    for (String form : List.of("predict_tensor_content", "predict_int_val")) {
      JsonNode got = node.get(form);
      assertEquals(v, got.get("version").asLong(), form);
      assertEquals(p.getOutputsCount(), got.get("outputs").size(), form);
      for (Map.Entry<String, TensorProto> e : p.getOutputsMap().entrySet()) {
        JsonNode t = got.get("outputs").get(e.getKey());
        String what = form + " " + e.getKey();
        assertEquals("DT_FLOAT", t.get("dtype").asText(), what);
        assertArrayEquals(ServingGrpcTest.shape(e.getValue()), longs(t.get("shape")), what);
        assertArrayEquals(ServingGrpcTest.floats(e.getValue()), floats(t.get("values")), what);
      }
    }

    ClassificationResponse c =
        tfs.classify(
            ClassificationRequest.newBuilder()
                .setModelSpec(spec)
                .setInput(
                    Input.newBuilder()
                        .setExampleList(
                            ExampleList.newBuilder()
                                .addExamples(ServingGrpcTest.example(TEXTS.get(0)))
                                .addExamples(ServingGrpcTest.example(TEXTS.get(1)))))
                .build());
    JsonNode classes = node.get("classify").get("classifications");
    assertEquals(v, node.get("classify").get("version").asLong());
    assertEquals(TEXTS.size(), classes.size());
    for (int i = 0; i < TEXTS.size(); i++) {
      var java = c.getResult().getClassifications(i).getClassesList();
      assertEquals(java.size(), classes.get(i).size());
      for (int j = 0; j < java.size(); j++) {
        assertEquals(java.get(j).getLabel(), classes.get(i).get(j).get("label").asText());
        assertEquals(java.get(j).getScore(), (float) classes.get(i).get(j).get("score").asDouble());
      }
    }

    SignatureDef def =
        tfs.getModelMetadata(
                GetModelMetadataRequest.newBuilder()
                    .setModelSpec(spec)
                    .addMetadataField("signature_def")
                    .build())
            .getMetadataOrThrow("signature_def")
            .unpack(SignatureDefMap.class)
            .getSignatureDefOrThrow("serving_default");
    JsonNode meta = node.get("metadata");
    assertEquals(v, meta.get("version").asLong());
    assertEquals(
        "type.googleapis.com/tensorflow.serving.SignatureDefMap", meta.get("type_url").asText());
    assertEquals(1, meta.get("signatures").size());
    JsonNode sig = meta.get("signatures").get("serving_default");
    assertEquals(def.getMethodName(), sig.get("method_name").asText());
    assertInfos(def.getInputsMap(), sig.get("inputs"));
    assertInfos(def.getOutputsMap(), sig.get("outputs"));

    List<ModelVersionStatus> status =
        models
            .getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec).build())
            .getModelVersionStatusList();
    JsonNode st = node.get("status");
    assertEquals(status.size(), st.size());
    assertEquals(v, st.get(0).get("version").asLong());
    assertEquals("AVAILABLE", st.get(0).get("state").asText());
    for (int i = 0; i < status.size(); i++) {
      assertEquals(status.get(i).getVersion(), st.get(i).get("version").asLong());
      assertEquals(status.get(i).getState().name(), st.get(i).get("state").asText());
      assertEquals(
          status.get(i).getStatus().getErrorCode().name(), st.get(i).get("error_code").asText());
      assertEquals(
          status.get(i).getStatus().getErrorMessage(), st.get(i).get("error_message").asText());
    }

    // the 3 MB Predict from Node, three times: each refused naming the limit, and fast
    // (the median; one call on a loaded machine may take longer in the client's own encoding)
    JsonNode large = node.get("large");
    assertEquals(3, large.size(), large.toString());
    double[] ms = new double[3];
    for (int i = 0; i < 3; i++) {
      JsonNode l = large.get(i);
      assertEquals("RESOURCE_EXHAUSTED", l.get("code").asText(), large.toString());
      assertTrue(
          LargePredictTest.REFUSAL.matcher(l.get("details").asText()).matches(), l.toString());
      ms[i] = l.get("ms").asDouble();
    }
    java.util.Arrays.sort(ms);
    System.out.printf("Node 3 MB Predict refused in %s ms%n", java.util.Arrays.toString(ms));
    assertTrue(ms[1] < 1000, large.toString());
  }

  private static void assertInfos(Map<String, TensorInfo> java, JsonNode node) {
    assertEquals(java.size(), node.size(), node.toString());
    for (Map.Entry<String, TensorInfo> e : java.entrySet()) {
      JsonNode n = node.get(e.getKey());
      TensorInfo t = e.getValue();
      assertEquals(t.getName(), n.get("name").asText(), e.getKey());
      assertEquals(t.getDtype().name(), n.get("dtype").asText(), e.getKey());
      if (t.getTensorShape().getUnknownRank()) {
        assertTrue(n.get("shape").isNull(), e.getKey() + ": " + n);
      } else {
        assertArrayEquals(
            t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray(),
            longs(n.get("shape")),
            e.getKey());
      }
    }
  }

  private static long[] longs(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  /** JSON numbers as the client printed them (doubles that are float32 values), as floats. */
  private static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }
}
