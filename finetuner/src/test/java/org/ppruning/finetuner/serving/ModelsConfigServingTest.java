package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.TinyModels;
import org.ppruning.serve.ServingConfig;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;

/**
 * The acceptance test of models.config through the running finetuner (its gRPC server, its
 * ServingRegistry polling the configured file) on tiny SavedModels run by TensorFlow: the pinning
 * example of docs/serving.md keeps version 1 served after version 2 appears; the file changed to
 * {@code latest} serves version 2 without a restart; a bad edit in between changes nothing.
 */
@QuarkusTest
class ModelsConfigServingTest {
  /** A task of its own per run: the test repository (target/serving-repo) outlives a run. */
  static final String TASK = "pinned-" + Long.toString(System.currentTimeMillis(), 36);

  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @Inject ServingRegistry registry;

  @ConfigProperty(name = "ppruning.finetuner.serving.model-config-file")
  Path file;

  @AfterEach
  void removeTheFile() throws Exception {
    Files.deleteIfExists(file);
    await("models.config removed", () -> registry.served().config() == null);
    registry.awaitScans(); // every task served again before the next test writes versions
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + 20_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(50);
    }
  }

  private PredictResponse predict(ModelSpec.Builder spec, TokenBatch b) {
    return tfs.predict(ServingGrpcTest.predict(TASK, b).setModelSpec(spec.setName(TASK)).build());
  }

  private long servedVersion(TokenBatch b) {
    try {
      return predict(ModelSpec.newBuilder(), b).getModelSpec().getVersion().getValue();
    } catch (StatusRuntimeException e) {
      return -1;
    }
  }

  private static float[] logits(Path versionDir, TokenBatch b) {
    try (TransformerModel m = TransformerModel.load(versionDir)) {
      return m.serve(b).get("logits").data();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A docs/serving.md example for this test's task and repository. */
  private String docsExample(int i) throws Exception {
    return ModelConfigFileTest.docsExamples()
        .get(i)
        .replace("/models/finetuned/sentiment", "/models/finetuned/" + TASK)
        .replace("/models/finetuned/", registry.repository().root() + "/")
        .replace("\"sentiment\"", "\"" + TASK + "\"");
  }

  private void writeConfig(String text) throws Exception {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling("models.config.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void pinnedVersionKeepsServingAfterANewOneAppearsAndLatestServesItWithoutARestart()
      throws Exception {
    Path tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
    TokenBatch b = TinyModels.batch(50, 7, 6, 4, 5);
    long first = registry.repository().nextVersion(TASK);
    Path v1 = TinyServables.write(registry.repository(), TASK, first, tokenizer, 31, 0.8);
    assertEquals(1, first, "a fresh task folder, so that the docs' version 1 is this one");

    writeConfig(docsExample(0));
    await("version 1 served under models.config", () -> servedVersion(b) == 1);
    ServingConfig pinned = registry.served().config();
    assertEquals(List.of(TASK), pinned.names());

    // Version 2 appears, announced as the training loop announces it, and found by a scan.
    Path v2 = TinyServables.write(registry.repository(), TASK, 2, tokenizer, 32, 0.8);
    SwapResult offered = registry.offer(TASK, v2);
    assertFalse(offered.accepted());
    assertEquals("models.config pins model '" + TASK + "' to versions [1]", offered.reason());
    registry.scan();

    float[] want1 = logits(v1, b);
    float[] want2 = logits(v2, b);
    assertFalse(java.util.Arrays.equals(want1, want2), "the two versions answer differently");
    PredictResponse newest = predict(ModelSpec.newBuilder(), b);
    assertEquals(1, newest.getModelSpec().getVersion().getValue());
    assertArrayEquals(want1, ServingGrpcTest.floats(newest.getOutputsOrThrow("logits")));
    PredictResponse stable = predict(ModelSpec.newBuilder().setVersionLabel("stable"), b);
    assertEquals(1, stable.getModelSpec().getVersion().getValue());
    StatusRuntimeException no2 =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                predict(
                    ModelSpec.newBuilder().setVersion(com.google.protobuf.Int64Value.of(2)), b));
    assertEquals(Status.Code.NOT_FOUND, no2.getStatus().getCode());
    assertEquals(
        "version 2 of model '"
            + TASK
            + "' is not served; the served version is 1 (version 2 ended: models.config pins"
            + " model '"
            + TASK
            + "' to versions [1])",
        no2.getStatus().getDescription());

    // A bad edit is refused (logged) and the pinned configuration stays in force.
    writeConfig("model_config_list { config { name: 'x' model_version_policy { specific {");
    Thread.sleep(1000); // ten polls
    assertSame(pinned, registry.served().config());
    assertEquals(1, servedVersion(b));

    writeConfig(docsExample(1));
    await("version 2 served after the change to latest", () -> servedVersion(b) == 2);
    PredictResponse after = predict(ModelSpec.newBuilder().setVersionLabel("latest"), b);
    assertEquals(2, after.getModelSpec().getVersion().getValue());
    assertArrayEquals(want2, ServingGrpcTest.floats(after.getOutputsOrThrow("logits")));
    assertTrue(
        registry.served().status(TASK, 1L, null).get(0).state()
            != org.ppruning.serve.VersionStatus.State.AVAILABLE,
        "version 1 is no longer served");
  }
}
