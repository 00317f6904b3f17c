package org.ppruning.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.model.TinyModels.batch;
import static org.ppruning.model.TinyModels.bertSpec;
import static org.ppruning.model.TinyModels.randomWeights;

import com.google.protobuf.GeneratedMessageV3;
import com.google.protobuf.RuntimeVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.TensorProto;

/**
 * TensorFlow Java 1.1.0's protos are protobuf 3.21 generated code; the build runs them on one
 * protobuf-java 4.x (docs/architecture.md, "Dependency policy"). 4.26-4.28 broke them
 * (NoSuchMethodError in the repeated-field parsing of TensorProto), so these run the paths that
 * broke: repeated scalars parsed, ConfigProto and RunOptions handed to the loader, a SavedModel's
 * MetaGraphDef read and run.
 */
class ProtobufRuntimeTest {
  @TempDir Path tmp;

  @Test
  void tensorFlowsGeneratedCodeRunsOnProtobuf4() {
    assertEquals(4, RuntimeVersion.MAJOR, "protobuf-java major version");
    assertTrue(
        RuntimeVersion.MINOR >= 29, "protobuf-java 4.29 or later, was 4." + RuntimeVersion.MINOR);
    // TF Java's classes are still the 3.21 kind (GeneratedMessageV3), running on the 4.x runtime.
    assertTrue(GeneratedMessageV3.class.isAssignableFrom(ConfigProto.class));
  }

  @Test
  void repeatedScalarsOfATensorProtoRoundTrip() throws Exception {
    TensorProto t =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .addAllFloatVal(List.of(0.5f, -1.25f, 3f))
            .addAllIntVal(List.of(7, -2))
            .build();
    TensorProto back = TensorProto.parseFrom(t.toByteArray());
    assertEquals(List.of(0.5f, -1.25f, 3f), back.getFloatValList());
    assertEquals(List.of(7, -2), back.getIntValList());
    assertEquals(t, back);
  }

  @Test
  void savedModelLoadsWithConfigProtoAndRunOptionsAndServesTheSameNumbers() throws Exception {
    ModelSpec spec = bertSpec(2, 16, 4, 32);
    TokenBatch b = batch(spec.vocabSize(), 5, 6, 3);
    Path dir = tmp.resolve("m");
    Map<String, FloatTensor> expected;
    try (TransformerModel m = TransformerModel.build(spec, randomWeights(spec, 9), null)) {
      expected = m.serve(b);
      m.export(dir, false);
    }
    try (TransformerModel loaded = TransformerModel.load(dir)) {
      Map<String, FloatTensor> out = loaded.serve(b);
      assertEquals(expected.keySet(), out.keySet());
      for (String name : expected.keySet()) {
        assertArrayEquals(expected.get(name).data(), out.get(name).data(), name);
      }
    }
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(1)
            .setInterOpParallelismThreads(1)
            .setAllowSoftPlacement(true)
            .build();
    RunOptions run = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.NO_TRACE).build();
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(dir.toString())
            .withTags("serve")
            .withConfigProto(config)
            .withRunOptions(run)
            .load()) {
      var signatures = bundle.metaGraphDef().getSignatureDefMap();
      assertTrue(signatures.containsKey("serving_default"), signatures.keySet().toString());
      assertEquals(expected.keySet(), signatures.get("serving_default").getOutputsMap().keySet());
      assertTrue(bundle.metaGraphDef().getGraphDef().getNodeCount() > 0);
    }
  }
}
