package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tfs.ClassificationRequest;
import org.ppruning.serving.tfs.ClassificationResponse;
import org.ppruning.serving.tfs.ExampleList;
import org.ppruning.serving.tfs.Input;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;

/**
 * TensorFlow Serving's REST API on the finetuner's HTTP port, called with the real {@code curl}
 * binary against the real server and a tiny real SavedModel (vocabulary 50, 24 positions): status,
 * metadata, Predict in the row and columnar formats and Classify give the gRPC API's numbers bit
 * for bit; refusals are {@code {"error": ...}} with TensorFlow Serving's HTTP status, naming the
 * input and the limit's key. (Default profile: a second Quarkus profile could not load DJL's
 * tokenizer library again; the token check is in {@link SecureServingTest}.)
 */
@QuarkusTest
class RestApiTest {
  static final String KEY = "ppruning.finetuner.serving.limits.";
  static final List<String> INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");

  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @Inject ServingRegistry registry;

  @TestHTTPResource("/v1/models/")
  URL models;

  static Path tokenizer;

  @BeforeAll
  static void tokenizer() throws Exception {
    tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
  }

  private long publish(String task, long seed) throws Exception {
    SwapResult r = ServingGrpcTest.publish(registry, tokenizer, task, seed);
    assertTrue(r.accepted(), r.reason());
    return r.version();
  }

  private String url(String path) {
    return models + path;
  }

  private static TokenBatch encode(List<String> texts) throws Exception {
    try (var tok = org.ppruning.tokenize.TextTokenizer.load(tokenizer)) {
      return tok.encode(texts, null, 24);
    }
  }

  private static int[] row(int[] flat, TokenBatch b, int i) {
    return Arrays.copyOfRange(flat, i * b.seqLen(), (i + 1) * b.seqLen());
  }

  private static List<int[]> inputs(TokenBatch b) {
    return List.of(b.inputIds(), b.attentionMask(), b.tokenTypeIds());
  }

  /** The columnar body: {"inputs": {"input_ids": [[...], ...], ...}}. */
  static String columnar(TokenBatch b) {
    StringBuilder s = new StringBuilder("{\"inputs\": {");
    for (int k = 0; k < INPUTS.size(); k++) {
      s.append(k == 0 ? "" : ", ").append('"').append(INPUTS.get(k)).append("\": [");
      for (int i = 0; i < b.size(); i++) {
        s.append(i == 0 ? "" : ", ").append(Arrays.toString(row(inputs(b).get(k), b, i)));
      }
      s.append(']');
    }
    return s.append("}}").toString();
  }

  /** The row body: {"instances": [{"input_ids": [...], ...}, ...]}. */
  static String rows(TokenBatch b) {
    StringBuilder s =
        new StringBuilder("{\"signature_name\": \"serving_default\", \"instances\": [");
    for (int i = 0; i < b.size(); i++) {
      s.append(i == 0 ? "{" : ", {");
      for (int k = 0; k < INPUTS.size(); k++) {
        s.append(k == 0 ? "" : ", ").append('"').append(INPUTS.get(k)).append("\": ");
        s.append(Arrays.toString(row(inputs(b).get(k), b, i)));
      }
      s.append('}');
    }
    return s.append("]}").toString();
  }

  /** The numbers of a nested JSON list, flattened in row-major order, and its shape. */
  static float[] flat(JsonNode n, List<Long> shape, int depth) {
    List<Float> out = new ArrayList<>();
    flatten(n, shape, depth, out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  private static void flatten(JsonNode n, List<Long> shape, int depth, List<Float> out) {
    if (n.isNumber()) {
      out.add(Float.parseFloat(n.asText()));
      return;
    }
    assertTrue(n.isArray(), n.toString());
    if (shape.size() == depth) {
      shape.add((long) n.size());
    }
    assertEquals(shape.get(depth), n.size(), "ragged output");
    n.forEach(x -> flatten(x, shape, depth + 1, out));
  }

  @Test
  void curlInTensorFlowServingFormatsGivesTheGrpcNumbers() throws Exception {
    long v = publish("rest", 11);
    TokenBatch b = encode(ServingGrpcTest.TEXTS);
    PredictResponse grpc = tfs.predict(ServingGrpcTest.predict("rest", b).build());
    assertTrue(grpc.getOutputsCount() >= 2, grpc.getOutputsMap().keySet().toString());

    // Columnar: {"outputs": {"name": nested list}}, for the served version, by number and by label.
    for (String path : List.of("rest:predict", "rest/versions/" + v + ":predict")) {
      Curl.Reply c = Curl.post(url(path), columnar(b));
      assertEquals(200, c.status(), c.body());
      JsonNode outputs = c.json().get("outputs");
      assertEquals(grpc.getOutputsCount(), outputs.size(), c.body());
      for (Map.Entry<String, TensorProto> e : grpc.getOutputsMap().entrySet()) {
        List<Long> shape = new ArrayList<>();
        float[] rest = flat(outputs.get(e.getKey()), shape, 0);
        assertArrayEquals(ServingGrpcTest.shape(e.getValue()), toLongs(shape), e.getKey());
        assertArrayEquals(ServingGrpcTest.floats(e.getValue()), rest, path + " " + e.getKey());
      }
    }

    // Row: {"predictions": [{"name": per-instance nested list}, ...]}.
    Curl.Reply r = Curl.post(url("rest/labels/latest:predict"), rows(b));
    assertEquals(200, r.status(), r.body());
    JsonNode predictions = r.json().get("predictions");
    assertEquals(b.size(), predictions.size(), r.body());
    for (Map.Entry<String, TensorProto> e : grpc.getOutputsMap().entrySet()) {
      float[] all = ServingGrpcTest.floats(e.getValue());
      int per = all.length / b.size();
      for (int i = 0; i < b.size(); i++) {
        float[] rest = flat(predictions.get(i).get(e.getKey()), new ArrayList<>(), 0);
        assertArrayEquals(
            Arrays.copyOfRange(all, i * per, (i + 1) * per), rest, e.getKey() + " instance " + i);
      }
    }

    // Classify: {"result": [[[label, score], ...], ...]} as gRPC Classify's classes.
    ExampleList.Builder examples = ExampleList.newBuilder();
    ServingGrpcTest.TEXTS.forEach(t -> examples.addExamples(ServingGrpcTest.example(t)));
    ClassificationResponse tc =
        tfs.classify(
            ClassificationRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("rest"))
                .setInput(Input.newBuilder().setExampleList(examples))
                .build());
    StringBuilder body = new StringBuilder("{\"examples\": [");
    for (int i = 0; i < ServingGrpcTest.TEXTS.size(); i++) {
      body.append(i == 0 ? "" : ", ").append("{\"text\": \"");
      body.append(ServingGrpcTest.TEXTS.get(i)).append("\"}");
    }
    Curl.Reply c = Curl.post(url("rest:classify"), body.append("]}").toString());
    assertEquals(200, c.status(), c.body());
    JsonNode result = c.json().get("result");
    assertEquals(ServingGrpcTest.TEXTS.size(), result.size(), c.body());
    for (int i = 0; i < result.size(); i++) {
      var classes = tc.getResult().getClassifications(i).getClassesList();
      assertEquals(classes.size(), result.get(i).size(), c.body());
      for (int j = 0; j < classes.size(); j++) {
        assertEquals(classes.get(j).getLabel(), result.get(i).get(j).get(0).asText());
        assertEquals(
            classes.get(j).getScore(), Float.parseFloat(result.get(i).get(j).get(1).asText()));
      }
    }
  }

  @Test
  void statusAndMetadataAreTensorFlowServingsJson() throws Exception {
    long v = publish("rest-status", 12);
    for (String path :
        List.of("rest-status", "rest-status/versions/" + v, "rest-status/labels/latest")) {
      Curl.Reply r = Curl.get(url(path));
      assertEquals(200, r.status(), r.body());
      JsonNode s = r.json().get("model_version_status");
      assertEquals(1, s.size(), r.body());
      assertEquals(Long.toString(v), s.get(0).get("version").asText(), r.body());
      assertEquals("AVAILABLE", s.get(0).get("state").asText(), r.body());
      assertEquals("OK", s.get(0).get("status").get("error_code").asText(), r.body());
    }

    Curl.Reply m = Curl.get(url("rest-status/versions/" + v + "/metadata"));
    assertEquals(200, m.status(), m.body());
    JsonNode spec = m.json().get("model_spec");
    assertEquals("rest-status", spec.get("name").asText());
    assertEquals(Long.toString(v), spec.get("version").asText());
    JsonNode sig =
        m.json().get("metadata").get("signature_def").get("signature_def").get("serving_default");
    assertEquals("tensorflow/serving/predict", sig.get("method_name").asText(), m.body());
    for (String input : INPUTS) {
      assertTrue(sig.get("inputs").has(input), m.body());
    }
    assertTrue(sig.get("outputs").has("logits"), m.body());
  }

  @Test
  void refusalsAreJsonErrorsWithTensorFlowServingsStatus() throws Exception {
    long v = publish("refuse", 13);
    TokenBatch b = encode(List.of("a fun story"));
    String good = columnar(b);

    assertTrue(Curl.get(url("nosuch")).error(404).contains("'nosuch' is not served"));
    assertTrue(Curl.post(url("nosuch:predict"), good).error(404).contains("nosuch"));
    String version = Curl.post(url("refuse/versions/" + (v + 7) + ":predict"), good).error(404);
    assertTrue(version.contains("version " + (v + 7)), version);
    assertTrue(
        Curl.get(url("refuse/versions/" + (v + 7))).error(404).contains("no version " + (v + 7)));
    assertTrue(Curl.get(url("refuse/labels/canary")).error(404).contains("label 'canary'"));
    assertTrue(Curl.get(url("refuse/versions/x1")).error(400).contains("'x1'"));
    assertTrue(Curl.get(url("..%2F..%2Fetc%2Fpasswd")).error(400).contains("model name"));

    String malformed =
        Curl.post(url("refuse:predict"), "{\"inputs\": {\"input_ids\": [[1, 2").error(400);
    assertTrue(malformed.contains("predict request"), malformed);
    String unknownKey = Curl.post(url("refuse:predict"), "{\"instance\": []}").error(400);
    assertTrue(unknownKey.contains("unknown key 'instance'"), unknownKey);
    String ragged =
        Curl.post(url("refuse:predict"), "{\"inputs\": {\"input_ids\": [[2, 5, 3], [2, 3]]}}")
            .error(400);
    assertTrue(ragged.contains("input 'input_ids'"), ragged);
    String vocabulary =
        Curl.post(url("refuse:predict"), good.replaceFirst("\\[\\[2,", "[[999,")).error(400);
    assertTrue(vocabulary.contains("vocabulary"), vocabulary);

    // Limits, each naming its key: instances per request, tokens per text, batch x tokens.
    StringBuilder many = new StringBuilder("{\"instances\": [");
    for (int i = 0; i < 65; i++) {
      many.append(i == 0 ? "" : ",").append("{\"input_ids\": [2, 7, 3]}");
    }
    Curl.Reply batch = Curl.post(url("refuse:predict"), many.append("]}").toString());
    assertTrue(batch.error(429).contains(KEY + "max-batch"), batch.body());
    assertTrue(batch.millis() < 1000, batch.millis() + " ms");
    int[] long25 = new int[25];
    Arrays.fill(long25, 7);
    Curl.Reply text =
        Curl.post(
            url("refuse:predict"),
            "{\"instances\": [{\"input_ids\": " + Arrays.toString(long25) + "}]}");
    String tokens = text.error(text.status());
    assertTrue(List.of(400, 429).contains(text.status()), text.body());
    assertTrue(tokens.contains(KEY + "max-tokens-per-text"), tokens);
    int[] wide = new int[4096 * 128];
    Arrays.fill(wide, 7);
    String row = Arrays.toString(Arrays.copyOf(wide, 128));
    StringBuilder huge = new StringBuilder("{\"inputs\": {\"input_ids\": [");
    for (int i = 0; i < 4096; i++) {
      huge.append(i == 0 ? "" : ",").append(row);
    }
    Curl.Reply big = Curl.post(url("refuse:predict"), huge.append("]}}").toString());
    assertTrue(big.error(429).contains(KEY + "max-batch"), big.body());
    assertTrue(big.millis() < 1000, big.millis() + " ms");

    // A body above quarkus.http.limits.max-body-size (16M) is refused before it is read.
    byte[] oversized = new byte[17 << 20];
    Arrays.fill(oversized, (byte) ' ');
    String size = Curl.post(url("refuse:predict"), oversized).error(413);
    assertTrue(size.contains(RestAccess.MAX_BODY), size);

    Curl.Reply regress = Curl.post(url("refuse:regress"), good);
    assertTrue(regress.error(501).contains(":classify"), regress.body());

    // And a good request afterwards is served.
    assertEquals(200, Curl.post(url("refuse:predict"), good).status());
  }

  private static long[] toLongs(List<Long> l) {
    return l.stream().mapToLong(Long::longValue).toArray();
  }
}
