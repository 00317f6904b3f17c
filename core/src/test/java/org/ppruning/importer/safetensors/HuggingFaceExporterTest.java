package org.ppruning.importer.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.importer.safetensors.SafetensorsFileTest.assertContains;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

class HuggingFaceExporterTest {

  @TempDir Path tmp;

  @Test
  void bertWithHeadsRoundTripsThroughHuggingFaceNames() throws IOException {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.BERT,
            20,
            8,
            2,
            2,
            16,
            12,
            2,
            Activation.GELU_TANH,
            1e-12,
            true,
            true,
            "round-trip",
            null);
    Weights w = random(spec, 5);
    Path dir = tmp.resolve("bert-out");
    HuggingFaceExporter.exportDir(spec, w, dir);

    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertEquals("pt", f.metadata().get("format"));
      FloatTensor q = f.read("bert.encoder.layer.0.attention.self.query.weight");
      FloatTensor kernel = w.get("bert/encoder/layer_0/attention/self/query/kernel");
      assertEquals(HfFixture.transpose(kernel), q);
      assertArrayEquals(
          new long[] {16, 8},
          f.info("bert.encoder.layer.1.intermediate.dense.weight").shape()); // [out, in]
      assertEquals(w.get("cls/predictions/output_bias"), f.read("cls.predictions.bias"));
      assertTrue(f.contains("bert.pooler.dense.weight"));
      assertFalse(f.contains("cls.predictions.decoder.weight"), "tied copy not written");
      // per layer 16, embeddings 5, pooler 2, MLM head 5
      assertEquals(spec.numLayers() * 16 + 5 + 2 + 5, f.names().size());
    }
    JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("bert", config.get("model_type").textValue());
    assertEquals("BertForMaskedLM", config.get("architectures").get(0).textValue());
    assertEquals(2, config.get("num_attention_heads").intValue());
    assertEquals(16, config.get("intermediate_size").intValue());
    assertEquals("gelu_new", config.get("hidden_act").textValue());

    HuggingFaceImporter.Imported back = HuggingFaceImporter.importDir(dir, "round-trip");
    assertEquals(spec, back.spec());
    HuggingFaceImporterTest.assertWeightsEqual(w.asMap(), back.weights());
    assertEquals(List.of(), back.skipped());
  }

  @Test
  void bertWithoutMlmHeadIsWrittenAsBertModelWithoutPrefix() throws IOException {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.BERT,
            20,
            8,
            2,
            2,
            16,
            12,
            2,
            Activation.GELU,
            1e-12,
            false,
            false,
            "plain",
            null);
    Weights w = random(spec, 6);
    Path dir = tmp.resolve("plain");
    HuggingFaceExporter.exportDir(spec, w, dir);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertTrue(f.contains("embeddings.word_embeddings.weight"));
      assertTrue(f.contains("encoder.layer.1.output.LayerNorm.bias"));
    }
    HuggingFaceImporter.Imported back = HuggingFaceImporter.importDir(dir, "plain");
    assertEquals(spec, back.spec());
    HuggingFaceImporterTest.assertWeightsEqual(w.asMap(), back.weights());
  }

  @Test
  void gpt2RoundTrips() throws IOException {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.GPT2,
            20,
            8,
            3,
            2,
            24,
            12,
            0,
            Activation.GELU_TANH,
            1e-5,
            false,
            false,
            "gpt",
            null);
    Weights w = random(spec, 7);
    Path dir = tmp.resolve("gpt2-out");
    HuggingFaceExporter.exportDir(spec, w, dir);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertEquals(w.get("model/h2/attn/c_attn/w"), f.read("transformer.h.2.attn.c_attn.weight"));
      assertFalse(f.contains("lm_head.weight"));
    }
    JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals(24, config.get("n_inner").intValue());
    assertEquals("GPT2LMHeadModel", config.get("architectures").get(0).textValue());
    HuggingFaceImporter.Imported back = HuggingFaceImporter.importDir(dir, "gpt");
    assertEquals(spec, back.spec());
    HuggingFaceImporterTest.assertWeightsEqual(w.asMap(), back.weights());
  }

  @Test
  void uniformlyNarrowedFfnIsExpressibleAsIntermediateSize() throws IOException {
    ModelSpec full =
        ModelSpec.unpruned(
            Architecture.BERT,
            20,
            8,
            2,
            2,
            16,
            12,
            2,
            Activation.GELU,
            1e-12,
            false,
            false,
            "narrow",
            null);
    ModelSpec narrow =
        full.withLayers(
            List.of(
                new LayerSpec(new int[] {0, 1}, range(0, 16, 2)),
                new LayerSpec(new int[] {0, 1}, range(1, 16, 2))));
    Weights w = random(narrow, 8);
    Path dir = tmp.resolve("narrow");
    HuggingFaceExporter.exportDir(narrow, w, dir);
    HuggingFaceImporter.Imported back = HuggingFaceImporter.importDir(dir, "narrow");
    assertEquals(List.of(8, 8), back.spec().ffnPerLayer());
    assertEquals(8, back.spec().originalFfn());
    HuggingFaceImporterTest.assertWeightsEqual(w.asMap(), back.weights());
  }

  @Test
  void variableWidthsAreRefusedWithThePerLayerWidths() {
    ModelSpec full =
        ModelSpec.unpruned(
            Architecture.BERT,
            20,
            8,
            2,
            2,
            16,
            12,
            2,
            Activation.GELU,
            1e-12,
            false,
            false,
            "var",
            null);
    ModelSpec pruned =
        full.withLayers(
            List.of(new LayerSpec(new int[] {1}, range(0, 16, 1)), LayerSpec.full(2, 16)));
    Weights w = random(pruned, 9);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> HuggingFaceExporter.exportDir(pruned, w, tmp.resolve("var")));
    assertContains(e, "heads [1, 2]", "FFN widths [16, 16]");
    assertFalse(Files.exists(tmp.resolve("var")), "nothing written");

    ModelSpec ffnVar =
        full.withLayers(
            List.of(LayerSpec.full(2, 16), new LayerSpec(new int[] {0, 1}, range(0, 16, 2))));
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> HuggingFaceExporter.exportDir(ffnVar, random(ffnVar, 10), tmp.resolve("v2"))),
        "heads [2, 2]",
        "FFN widths [16, 8]");
  }

  @Test
  void weightsThatDoNotMatchTheSpecAreRefused() {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.GPT2,
            20,
            8,
            2,
            2,
            32,
            12,
            0,
            Activation.GELU_TANH,
            1e-5,
            false,
            false,
            "bad",
            null);
    Weights w = random(spec, 11);
    w.replace("model/h1/mlp/c_fc/w", FloatTensor.zeros(8, 31));
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> HuggingFaceExporter.exportDir(spec, w, tmp.resolve("bad"))),
        "model/h1/mlp/c_fc/w",
        "[8, 31]",
        "[8, 32]");
  }

  // ---- helpers ----

  static Weights random(ModelSpec spec, long seed) {
    Random rnd = new Random(seed);
    Weights w = new Weights();
    for (Map.Entry<String, long[]> e : ModelLayout.of(spec).shapes().entrySet()) {
      w.put(e.getKey(), SafetensorsFileTest.random(rnd, e.getValue()));
    }
    return w;
  }

  private static int[] range(int from, int to, int step) {
    List<Integer> r = new ArrayList<>();
    for (int i = from; i < to; i += step) {
      r.add(i);
    }
    return r.stream().mapToInt(Integer::intValue).toArray();
  }
}
