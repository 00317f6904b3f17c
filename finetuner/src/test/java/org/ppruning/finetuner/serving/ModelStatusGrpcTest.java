package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tf.Code;
import org.ppruning.serving.tfs.GetModelStatusRequest;
import org.ppruning.serving.tfs.GetModelStatusResponse;
import org.ppruning.serving.tfs.ModelServiceGrpc;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.ModelVersionStatus;

/**
 * {@code tensorflow.serving.ModelService.GetModelStatus} through the real gRPC server on tiny real
 * models: a served version AVAILABLE and OK, a corrupt one END with the load error, by number, by
 * label and all versions; unknown models, versions and labels NOT_FOUND naming them; bad names
 * INVALID_ARGUMENT.
 */
@QuarkusTest
class ModelStatusGrpcTest {
  @GrpcClient("serving")
  ModelServiceGrpc.ModelServiceBlockingStub models;

  @Inject ServingRegistry registry;

  static Path tokenizer;

  @BeforeAll
  static void tokenizer() throws Exception {
    tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
  }

  private static GetModelStatusRequest request(ModelSpec.Builder spec) {
    return GetModelStatusRequest.newBuilder().setModelSpec(spec).build();
  }

  private static ModelSpec.Builder named(String task) {
    return ModelSpec.newBuilder().setName(task);
  }

  @Test
  void servedAndRefusedVersionsByNumberLabelAndAll() throws Exception {
    long good = registry.repository().nextVersion("status");
    SwapResult served =
        registry.offer(
            "status",
            TinyServables.write(registry.repository(), "status", good, tokenizer, 41, 0.8));
    assertTrue(served.accepted(), served.reason());
    long bad = registry.repository().nextVersion("status");
    Path badDir = TinyServables.write(registry.repository(), "status", bad, tokenizer, 42, 0.8);
    TinyServables.truncateVariables(badDir);
    SwapResult refused = registry.offer("status", badDir);
    assertFalse(refused.accepted());

    // All versions, newest first: the corrupt one END with its load error, the served one OK.
    GetModelStatusResponse all = models.getModelStatus(request(named("status")));
    List<ModelVersionStatus> s = all.getModelVersionStatusList();
    assertTrue(s.size() >= 2, all.toString());
    assertEquals(bad, s.get(0).getVersion());
    assertEquals(ModelVersionStatus.State.END, s.get(0).getState());
    assertEquals(Code.UNKNOWN, s.get(0).getStatus().getErrorCode());
    assertEquals(refused.reason(), s.get(0).getStatus().getErrorMessage());
    assertTrue(
        s.get(0).getStatus().getErrorMessage().startsWith("failed to load: cannot load SavedModel"),
        s.get(0).toString());
    assertEquals(good, s.get(1).getVersion());
    assertEquals(ModelVersionStatus.State.AVAILABLE, s.get(1).getState());
    assertEquals(Code.OK, s.get(1).getStatus().getErrorCode());
    assertEquals("", s.get(1).getStatus().getErrorMessage());
    assertEquals(
        1,
        s.stream().filter(x -> x.getState() == ModelVersionStatus.State.AVAILABLE).count(),
        all.toString());

    // One version by number and by label.
    assertEquals(
        List.of(s.get(1)),
        models
            .getModelStatus(request(named("status").setVersion(Int64Value.of(good))))
            .getModelVersionStatusList());
    assertEquals(
        List.of(s.get(0)),
        models
            .getModelStatus(request(named("status").setVersion(Int64Value.of(bad))))
            .getModelVersionStatusList());
    for (String label : List.of("latest", "stable")) {
      assertEquals(
          List.of(s.get(1)),
          models
              .getModelStatus(request(named("status").setVersionLabel(label)))
              .getModelVersionStatusList(),
          label);
    }
  }

  @Test
  void unknownModelsVersionsAndLabelsAreNotFoundAndBadNamesInvalid() throws Exception {
    long v = registry.repository().nextVersion("status-checks");
    assertTrue(
        registry
            .offer(
                "status-checks",
                TinyServables.write(registry.repository(), "status-checks", v, tokenizer, 43, 0.8))
            .accepted());
    List<Long> versions =
        models.getModelStatus(request(named("status-checks"))).getModelVersionStatusList().stream()
            .map(ModelVersionStatus::getVersion)
            .toList();

    assertRefused(
        Status.Code.NOT_FOUND,
        "model 'nope' is not served; served models: " + registry.served().tasks(),
        named("nope"));
    assertRefused(
        Status.Code.NOT_FOUND,
        "model 'status-checks' has no version " + (v + 7) + "; versions: " + versions,
        named("status-checks").setVersion(Int64Value.of(v + 7)));
    assertRefused(
        Status.Code.NOT_FOUND,
        "model 'status-checks' has no version label 'canary'; labels: {latest="
            + v
            + ", stable="
            + v
            + "}",
        named("status-checks").setVersionLabel("canary"));
    assertRefused(
        Status.Code.INVALID_ARGUMENT,
        "model_spec.name is empty; served models: " + registry.served().tasks(),
        ModelSpec.newBuilder());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> models.getModelStatus(request(named("../../etc/passwd"))));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().startsWith("model_spec.name '../../etc/passwd' has"),
        e.getStatus().toString());
  }

  private void assertRefused(Status.Code code, String message, ModelSpec.Builder spec) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> models.getModelStatus(request(spec)));
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals(message, e.getStatus().getDescription());
  }
}
