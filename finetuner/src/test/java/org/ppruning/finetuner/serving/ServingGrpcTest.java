package org.ppruning.finetuner.serving;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tf.BytesList;
import org.ppruning.serving.tf.DataType;
import org.ppruning.serving.tf.Example;
import org.ppruning.serving.tf.Feature;
import org.ppruning.serving.tf.Features;
import org.ppruning.serving.tf.SignatureDef;
import org.ppruning.serving.tf.TensorInfo;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tfs.ClassificationRequest;
import org.ppruning.serving.tfs.ClassificationResponse;
import org.ppruning.serving.tfs.ExampleList;
import org.ppruning.serving.tfs.GetModelMetadataRequest;
import org.ppruning.serving.tfs.GetModelMetadataResponse;
import org.ppruning.serving.tfs.Input;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.ppruning.serving.v1.ClassifyRequest;
import org.ppruning.serving.v1.ClassifyResponse;
import org.ppruning.serving.v1.InferenceGrpc;
import org.ppruning.serving.v1.ListModelsRequest;
import org.ppruning.serving.v1.ScoreRequest;
import org.ppruning.serving.v1.TextInput;

/**
 * The serving APIs through the real gRPC server, on tiny random models exported as SavedModels:
 * parity with the SavedModel run in-process, metadata, validation, swaps under load, a corrupt
 * version, health, reflection (off by default) and metrics.
 */
@QuarkusTest
class ServingGrpcTest {
  static final List<String> TEXTS =
      List.of("the movie was good", "i hated this boring film .", "a fun story");

  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @GrpcClient("serving")
  InferenceGrpc.InferenceBlockingStub typed;

  @GrpcClient("serving")
  Channel channel;

  @Inject ServingRegistry registry;

  static Path tokenizer;

  @BeforeAll
  static void tokenizer() throws Exception {
    tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
  }

  /** Writes the next version of {@code task} (seeded weights) and offers it. */
  private SwapResult publish(String task, long seed) throws Exception {
    return publish(registry, tokenizer, task, seed);
  }

  /** Writes the next version of {@code task} (seeded weights) into the registry's repository. */
  static SwapResult publish(ServingRegistry registry, Path tokenizer, String task, long seed)
      throws Exception {
    long v = registry.repository().nextVersion(task);
    Path dir = TinyServables.write(registry.repository(), task, v, tokenizer, seed, 0.8);
    return registry.offer(task, dir);
  }

  private static ModelSpec spec(String task) {
    return ModelSpec.newBuilder().setName(task).build();
  }

  static TensorProto int32(TokenBatch b, int[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_INT32)
            .setTensorShape(TensorProtos.shape(new long[] {b.size(), b.seqLen()}));
    for (int x : values) {
      t.addIntVal(x);
    }
    return t.build();
  }

  /** DT_INT64 in tensor_content, as tf.make_tensor_proto writes numpy int64 arrays. */
  static TensorProto int64Content(TokenBatch b, int[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : values) {
      buf.putLong(x);
    }
    return TensorProto.newBuilder()
        .setDtype(DataType.DT_INT64)
        .setTensorShape(TensorProtos.shape(new long[] {b.size(), b.seqLen()}))
        .setTensorContent(ByteString.copyFrom(buf.array()))
        .build();
  }

  static PredictRequest.Builder predict(String task, TokenBatch b) {
    return PredictRequest.newBuilder()
        .setModelSpec(spec(task))
        .putInputs("input_ids", int32(b, b.inputIds()))
        .putInputs("attention_mask", int32(b, b.attentionMask()))
        .putInputs("token_type_ids", int32(b, b.tokenTypeIds()));
  }

  static float[] floats(TensorProto t) {
    float[] out = new float[t.getFloatValCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatVal(i);
    }
    return out;
  }

  static long[] shape(TensorProto t) {
    return t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
  }

  static Example example(String text) {
    return Example.newBuilder()
        .setFeatures(
            Features.newBuilder()
                .putFeature(
                    "text",
                    Feature.newBuilder()
                        .setBytesList(
                            BytesList.newBuilder().addValue(ByteString.copyFromUtf8(text)))
                        .build()))
        .build();
  }

  @Test
  void predictAndBothClassifyCallsGiveTheSavedModelsNumbers() throws Exception {
    SwapResult r = publish("parity", 11);
    assertTrue(r.accepted(), r.reason());
    TokenBatch b;
    Map<String, FloatTensor> direct;
    try (TransformerModel m = TransformerModel.load(r.dir());
        var tok = org.ppruning.tokenize.TextTokenizer.load(tokenizer)) {
      b = tok.encode(TEXTS, null, 24);
      direct = m.serve(b);
    }

    PredictResponse p = tfs.predict(predict("parity", b).build());
    assertEquals("parity", p.getModelSpec().getName());
    assertEquals(r.version(), p.getModelSpec().getVersion().getValue());
    assertEquals("serving_default", p.getModelSpec().getSignatureName());
    assertEquals(direct.keySet(), p.getOutputsMap().keySet());
    for (var e : direct.entrySet()) {
      TensorProto t = p.getOutputsOrThrow(e.getKey());
      assertEquals(DataType.DT_FLOAT, t.getDtype());
      assertArrayEquals(e.getValue().shape(), shape(t), e.getKey());
      assertArrayEquals(e.getValue().data(), floats(t), e.getKey());
    }

    // int64 inputs in tensor_content, an output filter and a version label.
    PredictResponse filtered =
        tfs.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("parity").setVersionLabel("latest"))
                .putInputs("input_ids", int64Content(b, b.inputIds()))
                .putInputs("attention_mask", int64Content(b, b.attentionMask()))
                .putInputs("token_type_ids", int64Content(b, b.tokenTypeIds()))
                .addOutputFilter("probabilities")
                .build());
    assertEquals(List.of("probabilities"), List.copyOf(filtered.getOutputsMap().keySet()));
    float[] probs = direct.get("probabilities").data();
    assertArrayEquals(probs, floats(filtered.getOutputsOrThrow("probabilities")));

    ClassifyRequest.Builder cr = ClassifyRequest.newBuilder().setModel("parity");
    TEXTS.forEach(t -> cr.addInputs(TextInput.newBuilder().setText(t)));
    ClassifyResponse c = typed.classify(cr.build());
    assertEquals(r.version(), c.getVersion());
    float[] logits = direct.get("logits").data();
    for (int i = 0; i < TEXTS.size(); i++) {
      var res = c.getResults(i);
      int best = probs[2 * i + 1] > probs[2 * i] ? 1 : 0;
      assertEquals(TinyServables.LABELS.get(best), res.getLabel());
      assertEquals(probs[2 * i + best], res.getScore());
      for (int j = 0; j < 2; j++) {
        assertEquals(TinyServables.LABELS.get(j), res.getScores(j).getLabel());
        assertEquals(probs[2 * i + j], res.getScores(j).getScore());
        assertEquals(logits[2 * i + j], res.getScores(j).getLogit());
      }
    }

    ExampleList.Builder examples = ExampleList.newBuilder();
    TEXTS.forEach(t -> examples.addExamples(example(t)));
    ClassificationResponse tc =
        tfs.classify(
            ClassificationRequest.newBuilder()
                .setModelSpec(spec("parity"))
                .setInput(Input.newBuilder().setExampleList(examples))
                .build());
    assertEquals(r.version(), tc.getModelSpec().getVersion().getValue());
    for (int i = 0; i < TEXTS.size(); i++) {
      var cls = tc.getResult().getClassifications(i);
      for (int j = 0; j < 2; j++) {
        assertEquals(TinyServables.LABELS.get(j), cls.getClasses(j).getLabel());
        assertEquals(probs[2 * i + j], cls.getClasses(j).getScore());
      }
    }

    var listed =
        typed.listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
            .filter(m -> m.getModel().equals("parity"))
            .findFirst()
            .orElseThrow();
    assertEquals(r.version(), listed.getVersion());
    assertEquals(TinyServables.LABELS, listed.getLabelsList());
    assertEquals(24, listed.getMaxLength());
    assertEquals("fp32", listed.getPrecision(), "serving.precision defaults to fp32");
    assertEquals("", listed.getPath(), "server paths only with serving.expose-paths=true");
  }

  @Test
  void metadataListsTheSignaturesInputsAndOutputs() throws Exception {
    SwapResult r = publish("metadata", 12);
    GetModelMetadataResponse m =
        tfs.getModelMetadata(
            GetModelMetadataRequest.newBuilder()
                .setModelSpec(spec("metadata"))
                .addMetadataField("signature_def")
                .build());
    assertEquals(r.version(), m.getModelSpec().getVersion().getValue());
    SignatureDef def =
        m.getMetadataOrThrow("signature_def")
            .unpack(SignatureDefMap.class)
            .getSignatureDefOrThrow("serving_default");
    assertEquals("tensorflow/serving/predict", def.getMethodName());
    assertEquals(
        List.of("attention_mask", "input_ids", "token_type_ids"),
        def.getInputsMap().keySet().stream().sorted().toList());
    for (TensorInfo in : def.getInputsMap().values()) {
      assertEquals(DataType.DT_INT32, in.getDtype());
      assertEquals(
          List.of(-1L, -1L),
          in.getTensorShape().getDimList().stream().map(d -> d.getSize()).toList());
    }
    assertEquals(
        List.of("logits", "mlm_logits", "pooled_output", "probabilities", "sequence_output"),
        def.getOutputsMap().keySet().stream().sorted().toList());
    for (TensorInfo out : def.getOutputsMap().values()) {
      assertEquals(DataType.DT_FLOAT, out.getDtype());
    }
    assertEquals("input_ids:0", def.getInputsOrThrow("input_ids").getName());
  }

  private static void assertStatus(Status.Code code, String message, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
    assertEquals(message, e.getStatus().getDescription());
  }

  @Test
  void badRequestsGetTheRightCodeAndSayWhatWasWrong() throws Exception {
    SwapResult r = publish("checks", 13);
    long v = r.version();
    TokenBatch b = new TokenBatch(1, 3, new int[] {2, 7, 3}, new int[] {1, 1, 1}, new int[3]);
    String takes =
        "; signature serving_default of model 'checks' version "
            + v
            + " takes [input_ids, attention_mask, token_type_ids]";

    assertStatus(
        Status.Code.NOT_FOUND,
        "model 'nope' is not served; served models: " + registry.served().tasks(),
        () -> tfs.predict(predict("nope", b).build()));
    assertStatus(
        Status.Code.NOT_FOUND,
        "version " + (v + 5) + " of model 'checks' is not" + " served; the served version is " + v,
        () ->
            tfs.predict(
                predict("checks", b)
                    .setModelSpec(
                        ModelSpec.newBuilder().setName("checks").setVersion(Int64Value.of(v + 5)))
                    .build()));
    assertStatus(
        Status.Code.NOT_FOUND,
        "model 'checks' has no version label 'canary'; labels:" + " [latest, stable]",
        () ->
            tfs.predict(
                predict("checks", b)
                    .setModelSpec(
                        ModelSpec.newBuilder().setName("checks").setVersionLabel("canary"))
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "model_spec.signature_name 'profile' is not" + " served; signatures: [serving_default]",
        () ->
            tfs.predict(
                predict("checks", b)
                    .setModelSpec(
                        ModelSpec.newBuilder().setName("checks").setSignatureName("profile"))
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "unknown input 'ids'" + takes,
        () -> tfs.predict(predict("checks", b).putInputs("ids", int32(b, b.inputIds())).build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "missing input [attention_mask]" + takes,
        () -> tfs.predict(predict("checks", b).removeInputs("attention_mask").build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "input 'input_ids' has dtype DT_FLOAT;" + " expected DT_INT32 (DT_INT64 is accepted too)",
        () ->
            tfs.predict(
                predict("checks", b)
                    .putInputs(
                        "input_ids",
                        TensorProto.newBuilder()
                            .setDtype(DataType.DT_FLOAT)
                            .setTensorShape(TensorProtos.shape(new long[] {1, 3}))
                            .addFloatVal(2)
                            .addFloatVal(7)
                            .addFloatVal(3)
                            .build())
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "input 'token_type_ids' has 2 values in int_val;" + " shape [1, 3] needs 3",
        () ->
            tfs.predict(
                predict("checks", b)
                    .putInputs(
                        "token_type_ids",
                        TensorProto.newBuilder()
                            .setDtype(DataType.DT_INT32)
                            .setTensorShape(TensorProtos.shape(new long[] {1, 3}))
                            .addIntVal(0)
                            .addIntVal(0)
                            .build())
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "input 'attention_mask' has shape [3, 1] but"
            + " 'input_ids' has [1, 3]; all inputs must have one shape",
        () ->
            tfs.predict(
                predict("checks", b)
                    .putInputs(
                        "attention_mask",
                        TensorProto.newBuilder()
                            .setDtype(DataType.DT_INT32)
                            .setTensorShape(TensorProtos.shape(new long[] {3, 1}))
                            .addIntVal(1)
                            .addIntVal(1)
                            .addIntVal(1)
                            .build())
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "input_ids[0, 1] = 99 is outside the vocabulary" + " [0, 50)",
        () ->
            tfs.predict(
                predict("checks", b)
                    .putInputs("input_ids", int32(b, new int[] {2, 99, 3}))
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "output filter names 'logitz', which"
            + " serving_default of model 'checks' version "
            + v
            + " does not have; its outputs: "
            + "[logits, mlm_logits, pooled_output, probabilities, sequence_output]",
        () -> tfs.predict(predict("checks", b).addOutputFilter("logitz").build()));

    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "text 0 is empty (model 'checks' version " + v + ")",
        () ->
            typed.classify(
                ClassifyRequest.newBuilder()
                    .setModel("checks")
                    .addInputs(TextInput.newBuilder().setText(""))
                    .build()));
    String longText = String.join(" ", java.util.Collections.nCopies(25, "fun"));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "text 0 (\""
            + longText.substring(0, 40)
            + "...\") has 27 tokens, more than the limit of 24 (texts are never truncated)"
            + " (model 'checks' version "
            + v
            + "; the model's positions; ppruning.finetuner.serving.limits.max-tokens-per-text"
            + " can set it lower)",
        () ->
            typed.classify(
                ClassifyRequest.newBuilder()
                    .setModel("checks")
                    .addInputs(TextInput.newBuilder().setText(longText))
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "input 1 lacks a text_pair unlike input 0;" + " all inputs or none must have one",
        () ->
            typed.classify(
                ClassifyRequest.newBuilder()
                    .setModel("checks")
                    .addInputs(TextInput.newBuilder().setText("good").setTextPair("bad"))
                    .addInputs(TextInput.newBuilder().setText("fun"))
                    .build()));
    assertStatus(
        Status.Code.NOT_FOUND,
        "version " + (v + 1) + " of model 'checks' is not" + " served; the served version is " + v,
        () ->
            typed.classify(
                ClassifyRequest.newBuilder()
                    .setModel("checks")
                    .setVersion(v + 1)
                    .addInputs(TextInput.newBuilder().setText("good"))
                    .build()));
    assertStatus(
        Status.Code.UNIMPLEMENTED,
        "Score needs a gpt2 model with its language-model"
            + " head; model 'checks' version "
            + v
            + " is a bert model",
        () -> typed.score(ScoreRequest.newBuilder().setModel("checks").addTexts("good").build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "example 1 has no feature 'text'; features:" + " [sentence]",
        () ->
            tfs.classify(
                ClassificationRequest.newBuilder()
                    .setModelSpec(spec("checks"))
                    .setInput(
                        Input.newBuilder()
                            .setExampleList(
                                ExampleList.newBuilder()
                                    .addExamples(example("good"))
                                    .addExamples(
                                        Example.newBuilder()
                                            .setFeatures(
                                                Features.newBuilder()
                                                    .putFeature(
                                                        "sentence",
                                                        example("x")
                                                            .getFeatures()
                                                            .getFeatureOrThrow("text"))))))
                    .build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "metadata_field is empty; supported:" + " [signature_def]",
        () ->
            tfs.getModelMetadata(
                GetModelMetadataRequest.newBuilder().setModelSpec(spec("checks")).build()));

    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(
            containsString(
                "ppruning_serving_errors_total{code=\"NOT_FOUND\","
                    + "method=\"tensorflow.serving.PredictionService/Predict\"}"))
        .body(
            containsString(
                "ppruning_serving_errors_total{code=\"INVALID_ARGUMENT\","
                    + "method=\"ppruning.v1.Inference/Classify\"}"));
  }

  @Test
  void threeSwapsUnderLoadLoseNoRequestAndEveryAnswerComesFromALoadedVersion() throws Exception {
    String task = "swaps";
    TokenBatch b = org.ppruning.model.TinyModels.batch(50, 7, 6, 4, 5);
    List<SwapResult> published = new ArrayList<>();
    published.add(publish(task, 100));
    // Expected logits per version, from each SavedModel run in-process.
    Map<Long, float[]> expected = new ConcurrentHashMap<>();
    List<Path> next = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      long v = published.get(0).version() + i;
      next.add(TinyServables.write(registry.repository(), task, v, tokenizer, 100 + i, 0.8));
    }
    for (Path dir : List.of(published.get(0).dir(), next.get(0), next.get(1), next.get(2))) {
      try (TransformerModel m = TransformerModel.load(dir)) {
        expected.put(
            Long.parseLong(dir.getFileName().toString()),
            m.serve(b, List.of("logits")).get("logits").data());
      }
    }

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new ArrayList<>();
    Map<Long, AtomicInteger> perVersion = new ConcurrentHashMap<>();
    PredictRequest request = predict(task, b).addOutputFilter("logits").build();
    CompletableFuture<Void> client =
        CompletableFuture.runAsync(
            () -> {
              while (!stop.get()) {
                try {
                  PredictResponse p = tfs.predict(request);
                  long v = p.getModelSpec().getVersion().getValue();
                  float[] want = expected.get(v);
                  if (want == null
                      || !java.util.Arrays.equals(want, floats(p.getOutputsOrThrow("logits")))) {
                    failures.add("version " + v + " answered other logits than its SavedModel");
                  }
                  perVersion.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet();
                  ok.incrementAndGet();
                } catch (RuntimeException e) {
                  failures.add(e.toString());
                }
              }
            });
    Thread.sleep(300);
    for (Path dir : next) {
      SwapResult r = registry.offer(task, dir);
      assertTrue(r.accepted(), r.reason());
      published.add(r);
      // Counted from the switch (the load and warm-up take a while): let traffic reach it.
      int switched = ok.get();
      while (ok.get() < switched + 20 && !client.isDone()) {
        Thread.sleep(10);
      }
    }
    stop.set(true);
    client.get(60, TimeUnit.SECONDS);

    assertEquals(List.of(), failures);
    long last = published.get(3).version();
    assertTrue(
        perVersion.containsKey(last), "requests reached version " + last + ": " + perVersion);
    assertTrue(ok.get() >= 60, ok.get() + " requests");
    assertEquals(
        List.of(true, true, true, true), published.stream().map(SwapResult::accepted).toList());
  }

  @Test
  void corruptVersionIsRefusedAndTheServedOneKeepsAnswering() throws Exception {
    SwapResult good = publish("corrupt", 21);
    long v = registry.repository().nextVersion("corrupt");
    Path bad = TinyServables.write(registry.repository(), "corrupt", v, tokenizer, 22, 0.8);
    TinyServables.truncateVariables(bad);

    String refused = "ppruning_serving_swaps_total{outcome=\"refused\",task=\"corrupt\"}";
    double refusedBefore = metric(refused); // earlier runs' corrupt versions, refused at start

    SwapResult r = registry.offer("corrupt", bad);

    assertFalse(r.accepted());
    assertTrue(r.reason().startsWith("failed to load: cannot load SavedModel " + bad), r.reason());
    assertTrue(r.reason().contains("Read less bytes than requested"), r.reason());
    ClassifyResponse c =
        typed.classify(
            ClassifyRequest.newBuilder()
                .setModel("corrupt")
                .addInputs(TextInput.newBuilder().setText("the best film ever"))
                .build());
    assertEquals(good.version(), c.getVersion());
    assertEquals(refusedBefore + 1, metric(refused));
    assertEquals(good.version(), metric("ppruning_serving_version{task=\"corrupt\"}"));
    // A rescan does not retry the refused version.
    assertTrue(registry.scan().stream().noneMatch(x -> x.task().equals("corrupt")));
  }

  /** A sample's value on /q/metrics (0 if absent). */
  private static double metric(String sample) {
    String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    for (String line : body.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return 0;
  }

  @Test
  void healthAnswersAndReflectionIsOffByDefault() throws Exception {
    HealthCheckResponse h =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder().build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());

    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<ServerReflectionResponse>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    services.complete(
                        r.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .sorted()
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    // Off unless quarkus.grpc.server.enable-reflection-service=true (docs/serving.md).
    java.util.concurrent.ExecutionException off =
        assertThrows(
            java.util.concurrent.ExecutionException.class,
            () -> services.get(30, TimeUnit.SECONDS));
    assertEquals(Status.Code.UNIMPLEMENTED, Status.fromThrowable(off.getCause()).getCode());
  }
}
