package org.ppruning.importer.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.importer.safetensors.SafetensorsFileTest.assertContains;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.model.Weights;

class HuggingFaceImporterTest {

  @TempDir Path tmp;

  @Test
  void bertForPreTrainingImportsEveryTensorTransposingLinearWeights() throws IOException {
    HfFixture f = HfFixture.bert("bert.", true, true, false);
    FloatTensor words = f.hf.get("bert.embeddings.word_embeddings.weight");
    SafetensorsWriter w =
        f.writer()
            // tied copies, as older exports store them
            .put("cls.predictions.decoder.weight", words)
            .put("cls.predictions.decoder.bias", f.hf.get("cls.predictions.bias"))
            // known-unused: NSP head and the position_ids buffer (int64)
            .put("cls.seq_relationship.weight", FloatTensor.zeros(2, 8))
            .put("cls.seq_relationship.bias", FloatTensor.zeros(2))
            .putRaw("bert.embeddings.position_ids", Dtype.I64, new long[] {1, 12}, new byte[96]);
    Path dir = Files.createDirectories(tmp.resolve("bert"));
    Files.writeString(dir.resolve("config.json"), HfFixture.BERT_CONFIG);
    w.write(dir.resolve("model.safetensors"));

    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "tiny-bert");

    ModelSpec s = m.spec();
    assertEquals(Architecture.BERT, s.architecture());
    assertEquals(20, s.vocabSize());
    assertEquals(8, s.hiddenSize());
    assertEquals(4, s.headSize());
    assertEquals(12, s.maxPositions());
    assertEquals(2, s.typeVocabSize());
    assertEquals(List.of(2, 2), s.headsPerLayer());
    assertEquals(List.of(16, 16), s.ffnPerLayer());
    assertEquals(Activation.GELU, s.hiddenAct());
    assertEquals(1e-12, s.layerNormEps());
    assertTrue(s.pooler());
    assertTrue(s.mlmHead());
    assertEquals("tiny-bert", s.source());
    assertNull(s.tokenizer());

    assertWeightsEqual(f.canonical, m.weights());
    // one transposed element spelled out: kernel[in=5][out=2] == weight[out=2][in=5]
    assertEquals(
        f.hf.get("bert.encoder.layer.1.intermediate.dense.weight").data()[2 * 8 + 5],
        m.weights().get("bert/encoder/layer_1/intermediate/dense/kernel").data()[5 * 16 + 2]);
    assertEquals(
        List.of(
            "cls.seq_relationship.weight",
            "cls.seq_relationship.bias",
            "bert.embeddings.position_ids",
            "cls.predictions.decoder.weight",
            "cls.predictions.decoder.bias"),
        m.skipped());
  }

  @Test
  void bertModelWithoutPrefixAndWithGammaBetaNames() throws IOException {
    HfFixture f = HfFixture.bert("", false, false, true);
    Path dir =
        f.write(
            tmp.resolve("b"),
            HfFixture.BERT_CONFIG.replace("\"gelu\"", "\"gelu_new\"").replace("1e-12", "1e-6"));
    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, null);
    assertFalse(m.spec().pooler());
    assertFalse(m.spec().mlmHead());
    assertEquals(Activation.GELU_TANH, m.spec().hiddenAct());
    assertEquals(1e-6, m.spec().layerNormEps());
    assertEquals(dir.toString(), m.spec().source());
    assertEquals(List.of(), m.skipped());
    assertWeightsEqual(f.canonical, m.weights());
  }

  @Test
  void gpt2LmHeadModelImportsConv1dWeightsUntransposed() throws IOException {
    HfFixture f = HfFixture.gpt2("transformer.", 32); // n_inner null -> 4 * 8
    SafetensorsWriter w = f.writer().put("lm_head.weight", f.hf.get("transformer.wte.weight"));
    for (int i = 0; i < HfFixture.L; i++) {
      w.put("transformer.h." + i + ".attn.bias", FloatTensor.zeros(1, 1, 12, 12));
      w.put("transformer.h." + i + ".attn.masked_bias", FloatTensor.zeros());
    }
    Path dir = Files.createDirectories(tmp.resolve("gpt2"));
    Files.writeString(dir.resolve("config.json"), HfFixture.GPT2_CONFIG);
    w.write(dir.resolve("model.safetensors"));

    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "tiny-gpt2");

    ModelSpec s = m.spec();
    assertEquals(Architecture.GPT2, s.architecture());
    assertEquals(List.of(2, 2), s.headsPerLayer());
    assertEquals(4, s.headSize());
    assertEquals(List.of(32, 32), s.ffnPerLayer());
    assertEquals(12, s.maxPositions());
    assertEquals(0, s.typeVocabSize());
    assertEquals(Activation.GELU_TANH, s.hiddenAct());
    assertEquals(1e-5, s.layerNormEps());
    assertWeightsEqual(f.canonical, m.weights());
    assertArrayEquals(new long[] {8, 24}, m.weights().get("model/h0/attn/c_attn/w").shape());
    assertEquals(
        List.of(
            "transformer.h.0.attn.bias",
            "transformer.h.0.attn.masked_bias",
            "transformer.h.1.attn.bias",
            "transformer.h.1.attn.masked_bias",
            "lm_head.weight"),
        m.skipped());
  }

  @Test
  void gpt2ModelWithoutPrefixAndExplicitInnerWidth() throws IOException {
    HfFixture f = HfFixture.gpt2("", 24);
    Path dir =
        f.write(
            tmp.resolve("g"),
            HfFixture.GPT2_CONFIG
                .replace("\"n_inner\": null", "\"n_inner\": 24")
                .replace("\"gelu_new\"", "\"gelu\""));
    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "g");
    assertEquals(List.of(24, 24), m.spec().ffnPerLayer());
    assertEquals(Activation.GELU, m.spec().hiddenAct());
    assertWeightsEqual(f.canonical, m.weights());
  }

  @Test
  void float16AndBfloat16TensorsImportAsExactFloat32() throws IOException {
    HfFixture f = HfFixture.bert("bert.", false, false, false);
    // values k/64 in [-1, 1] are exact in float16 and bfloat16; rounding is idempotent and
    // commutes with transposition, so the expected canonical tensors are rounded the same way
    for (Map<String, FloatTensor> m : List.of(f.hf, f.canonical)) {
      for (FloatTensor t : m.values()) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
          d[i] = Math.round(Math.max(-1f, Math.min(1f, d[i])) * 64) / 64f;
        }
      }
    }
    SafetensorsWriter w = new SafetensorsWriter();
    int i = 0;
    for (Map.Entry<String, FloatTensor> e : f.hf.entrySet()) {
      boolean bf = i++ % 2 == 0;
      w.putRaw(
          e.getKey(),
          bf ? Dtype.BF16 : Dtype.F16,
          e.getValue().shape(),
          bf ? bfloat16(e.getValue().data()) : float16(e.getValue().data()));
    }
    Path dir = Files.createDirectories(tmp.resolve("half"));
    Files.writeString(dir.resolve("config.json"), HfFixture.BERT_CONFIG);
    w.write(dir.resolve("model.safetensors"));

    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "half");
    try (SafetensorsFile sf = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertEquals(Dtype.BF16, sf.info("bert.embeddings.word_embeddings.weight").dtype());
      assertEquals(Dtype.F16, sf.info("bert.embeddings.position_embeddings.weight").dtype());
    }
    assertWeightsEqual(f.canonical, m.weights());
    long nonZero = countNonZero(m.weights().get("bert/encoder/layer_1/output/dense/kernel").data());
    assertTrue(nonZero > 100, "rounded fixture keeps distinct values: " + nonZero + " non-zero");
  }

  @Test
  void missingTensorIsNamedInHuggingFaceAndCanonicalTerms() throws IOException {
    HfFixture f = HfFixture.bert("bert.", true, false, false);
    f.hf.remove("bert.encoder.layer.1.output.dense.weight");
    Path dir = f.write(tmp.resolve("m"), HfFixture.BERT_CONFIG);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "m"));
    assertContains(
        e,
        dir.toString(),
        "missing tensor 'bert.encoder.layer.1.output.dense.weight'",
        "[8, 16]",
        "bert/encoder/layer_1/output/dense/kernel");
  }

  @Test
  void misshapenTensorIsNamedWithBothShapes() throws IOException {
    HfFixture f = HfFixture.bert("bert.", false, false, false);
    f.hf.put("bert.encoder.layer.0.intermediate.dense.weight", FloatTensor.zeros(15, 8));
    Path dir = f.write(tmp.resolve("s"), HfFixture.BERT_CONFIG);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "s"));
    assertContains(
        e,
        "'bert.encoder.layer.0.intermediate.dense.weight'",
        "model.safetensors",
        "has shape [15, 8]",
        "expected [16, 8]",
        "bert/encoder/layer_0/intermediate/dense/kernel",
        "[8, 16]");
  }

  @Test
  void unknownTensorsAreErrorsNotSilentlyDropped() throws IOException {
    HfFixture f = HfFixture.bert("bert.", true, false, false);
    f.hf.put("classifier.weight", FloatTensor.zeros(3, 8));
    f.hf.put("bert.encoder.layer.2.output.dense.bias", FloatTensor.zeros(8)); // only 2 layers
    Path dir = f.write(tmp.resolve("u"), HfFixture.BERT_CONFIG);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "u"));
    assertContains(
        e,
        "unknown tensor",
        "'classifier.weight' F32 [3, 8]",
        "'bert.encoder.layer.2.output.dense.bias'",
        "2 layers");

    HfFixture g = HfFixture.gpt2("transformer.", 32);
    // the buffer of a layer the config does not have
    g.hf.put("transformer.h.2.attn.bias", FloatTensor.zeros(1));
    Path gd = g.write(tmp.resolve("gu"), HfFixture.GPT2_CONFIG);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(gd, "gu")),
        "'transformer.h.2.attn.bias'");
  }

  @Test
  void tiedDecoderThatDiffersFromTheEmbeddingsIsRefused() throws IOException {
    HfFixture f = HfFixture.bert("bert.", false, true, false);
    FloatTensor words = f.hf.get("bert.embeddings.word_embeddings.weight");
    float[] d = words.data().clone();
    d[37] += 0.5f;
    f.hf.put("cls.predictions.decoder.weight", new FloatTensor(words.shape(), d));
    Path dir = f.write(tmp.resolve("t"), HfFixture.BERT_CONFIG);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "t"));
    assertContains(
        e,
        "'cls.predictions.decoder.weight'",
        "'bert.embeddings.word_embeddings.weight'",
        "1 of 160 values",
        "max |diff| 0.5",
        "element 37",
        "ties");

    HfFixture g = HfFixture.gpt2("", 32);
    g.hf.put("lm_head.weight", FloatTensor.zeros(20, 8));
    Path gd = g.write(tmp.resolve("gt"), HfFixture.GPT2_CONFIG);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(gd, "gt")),
        "'lm_head.weight'",
        "'wte.weight'",
        "160 of 160 values");
  }

  @Test
  void shardedCheckpointImportsLikeASingleFile() throws IOException {
    HfFixture f = HfFixture.bert("bert.", true, true, false);
    Path dir = writeSharded(f, tmp.resolve("sharded"));
    HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "sharded");
    assertTrue(m.spec().pooler() && m.spec().mlmHead());
    assertWeightsEqual(f.canonical, m.weights());
  }

  @Test
  void shardIndexThatDisagreesWithTheShardsIsRefused() throws IOException {
    HfFixture f = HfFixture.bert("bert.", false, false, false);
    Path dir = writeSharded(f, tmp.resolve("bad"));
    String index = Files.readString(dir.resolve("model.safetensors.index.json"));
    // move one entry to the other shard
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        index.replace(
            "\"bert.embeddings.word_embeddings.weight\":\"model-00001-of-00002.safetensors\"",
            "\"bert.embeddings.word_embeddings.weight\":\"model-00002-of-00002.safetensors\""));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "bad"));
    assertContains(
        e,
        "model-00001-of-00002.safetensors",
        "'bert.embeddings.word_embeddings.weight'",
        "model-00002-of-00002.safetensors");

    Path dir2 = writeSharded(f, tmp.resolve("lost"));
    Files.delete(dir2.resolve("model-00002-of-00002.safetensors"));
    NoSuchFileException nf =
        assertThrows(NoSuchFileException.class, () -> HuggingFaceImporter.importDir(dir2, "lost"));
    assertContains(nf, "model-00002-of-00002.safetensors", "missing");
  }

  @Test
  void truncatedCheckpointIsRefusedNamingTheFile() throws IOException {
    Path dir =
        HfFixture.bert("bert.", false, false, false)
            .write(tmp.resolve("cut"), HfFixture.BERT_CONFIG);
    Path file = dir.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - 100));
    IOException e = assertThrows(IOException.class, () -> HuggingFaceImporter.importDir(dir, "c"));
    assertContains(e, file.toString(), "truncated");
  }

  @Test
  void unsupportedConfigsAreRefusedNamingTheField() throws IOException {
    HfFixture f = HfFixture.bert("bert.", false, false, false);
    Path dir = f.write(tmp.resolve("c"), HfFixture.BERT_CONFIG.replace("\"bert\"", "\"roberta\""));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "c")),
        "config.json",
        "'roberta'");

    Files.writeString(
        dir.resolve("config.json"),
        HfFixture.BERT_CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3"));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "c")),
        "config.json",
        "8",
        "3");

    Files.writeString(
        dir.resolve("config.json"),
        HfFixture.BERT_CONFIG.replace("\"intermediate_size\": 16,", ""));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "c")),
        "config.json",
        "'intermediate_size'");

    Files.writeString(
        dir.resolve("config.json"),
        HfFixture.BERT_CONFIG.replace("\"absolute\"", "\"relative_key\""));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "c")),
        "position_embedding_type",
        "relative_key");

    Files.writeString(
        dir.resolve("config.json"), HfFixture.BERT_CONFIG.replace("\"gelu\"", "\"relu\""));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(dir, "c")),
        "hidden_act",
        "relu");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("config.json"), HfFixture.BERT_CONFIG);
    Files.writeString(empty.resolve("pytorch_model.bin"), "");
    assertContains(
        assertThrows(NoSuchFileException.class, () -> HuggingFaceImporter.importDir(empty, "e")),
        "model.safetensors",
        "pytorch_model.bin");
  }

  @Test
  void tokenizerKindAndCaseComeFromTheTokenizerFiles() throws IOException {
    Path dir =
        HfFixture.bert("bert.", false, false, false)
            .write(tmp.resolve("tok"), HfFixture.BERT_CONFIG);
    Files.writeString(
        dir.resolve("tokenizer.json"),
        "{\"normalizer\":{\"type\":\"BertNormalizer\",\"lowercase\":false},"
            + "\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
    assertEquals(
        new TokenizerSpec("wordpiece", false),
        HuggingFaceImporter.importDir(dir, "t").spec().tokenizer());
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": true}");
    assertEquals(
        new TokenizerSpec("wordpiece", true),
        HuggingFaceImporter.importDir(dir, "t").spec().tokenizer());

    Path g = HfFixture.gpt2("", 32).write(tmp.resolve("gtok"), HfFixture.GPT2_CONFIG);
    Files.writeString(g.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
    assertEquals(
        new TokenizerSpec("bpe", false), HuggingFaceImporter.importDir(g, "g").spec().tokenizer());
    Files.writeString(g.resolve("tokenizer.json"), "{\"model\":{\"type\":\"Unigram\"}}");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceImporter.importDir(g, "g")),
        "tokenizer.json",
        "Unigram");
  }

  // ---- helpers ----

  /** Writes the fixture as two shards (first half of the tensors, second half) plus an index. */
  static Path writeSharded(HfFixture f, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), HfFixture.BERT_CONFIG);
    List<String> names = new ArrayList<>(f.hf.keySet());
    SafetensorsWriter a = new SafetensorsWriter().metadata("format", "pt");
    SafetensorsWriter b = new SafetensorsWriter().metadata("format", "pt");
    StringBuilder map = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      boolean first = i < names.size() / 2;
      (first ? a : b).put(names.get(i), f.hf.get(names.get(i)));
      map.append(map.length() == 0 ? "" : ",")
          .append('"')
          .append(names.get(i))
          .append("\":\"")
          .append(first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")
          .append('"');
    }
    a.write(dir.resolve("model-00001-of-00002.safetensors"));
    b.write(dir.resolve("model-00002-of-00002.safetensors"));
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + map + "}}");
    return dir;
  }

  static void assertWeightsEqual(Map<String, FloatTensor> expected, Weights actual) {
    assertEquals(
        List.copyOf(expected.keySet()),
        List.copyOf(actual.names()),
        "canonical names, in layout order");
    for (Map.Entry<String, FloatTensor> e : expected.entrySet()) {
      FloatTensor got = actual.get(e.getKey());
      assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
      assertArrayEquals(e.getValue().data(), got.data(), 0f, e.getKey());
    }
  }

  private static long countNonZero(float[] d) {
    long n = 0;
    for (float v : d) {
      n += v != 0 ? 1 : 0;
    }
    return n;
  }

  /** Float32 values that are exact in float16 (normal range or zero) to their bits. */
  private static byte[] float16(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      int bits = Float.floatToIntBits(x);
      int sign = (bits >>> 16) & 0x8000;
      int exp = ((bits >>> 23) & 0xff) - 127 + 15;
      int mant = bits & 0x7fffff;
      if (x == 0) {
        b.putShort((short) sign);
        continue;
      }
      assertTrue(exp > 0 && exp < 31 && (mant & 0x1fff) == 0, "not exact in float16: " + x);
      b.putShort((short) (sign | (exp << 10) | (mant >>> 13)));
    }
    return b.array();
  }

  /** Float32 values whose low 16 bits are zero to their bfloat16 bits. */
  private static byte[] bfloat16(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      int bits = Float.floatToIntBits(x);
      assertEquals(0, bits & 0xffff, "not exact in bfloat16: " + x);
      b.putShort((short) (bits >>> 16));
    }
    return b.array();
  }
}
