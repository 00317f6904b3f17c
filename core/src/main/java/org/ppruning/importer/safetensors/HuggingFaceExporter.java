package org.ppruning.importer.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.importer.safetensors.HuggingFaceNames.Entry;
import org.ppruning.model.Architecture;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * Writes canonical weights as a Hugging Face checkpoint directory: {@code config.json} and a
 * float32 {@code model.safetensors} with Hugging Face names, which {@link HuggingFaceImporter}
 * reads back unchanged.
 *
 * <p>BERT with an MLM head is written as {@code BertForMaskedLM} ({@code bert.} prefix, {@code
 * cls.predictions.*}), without one as {@code BertModel}; GPT-2 as {@code GPT2LMHeadModel} ({@code
 * transformer.} prefix). Tied copies (MLM decoder, {@code lm_head}) are not written: Hugging Face
 * re-ties them on load. The file's metadata says {@code format: pt}, which Hugging Face loaders
 * require.
 *
 * <p>A Hugging Face config has one head count and one FFN width for all layers, and derives the
 * head size as {@code hidden_size / num_attention_heads}. So only specs whose every layer keeps
 * {@code hiddenSize / headSize} heads and the same positive FFN width can be exported; others are
 * refused with the per-layer widths.
 */
public final class HuggingFaceExporter {

  private HuggingFaceExporter() {}

  /**
   * Writes {@code config.json} and {@code model.safetensors} into {@code dir} (created if needed;
   * existing files of those names are replaced).
   *
   * @throws IllegalArgumentException if the weights do not match the spec, or the spec's widths
   *     cannot be expressed in a Hugging Face config
   */
  public static void exportDir(ModelSpec spec, Weights weights, Path dir) throws IOException {
    ModelLayout.of(spec).check(weights, "the weights to export");
    checkExpressible(spec);
    boolean bert = spec.architecture() == Architecture.BERT;
    // BertModel checkpoints carry no prefix; models with a head prefix the base model's weights.
    String prefix = bert && !spec.mlmHead() ? "" : HuggingFaceNames.basePrefix(spec.architecture());

    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    if (spec.source() != null) {
      w.metadata("ppruning_source", spec.source());
    }
    for (Entry e : HuggingFaceNames.table(spec).values()) {
      FloatTensor t = weights.get(e.canonical());
      w.put((e.head() ? "" : prefix) + e.hf(), e.transpose() ? t.transpose2d() : t);
    }
    Files.createDirectories(dir);
    w.write(dir.resolve(HuggingFaceImporter.WEIGHTS));
    writeConfig(spec, dir.resolve(HuggingFaceImporter.CONFIG));
  }

  private static void checkExpressible(ModelSpec spec) {
    int heads = spec.hiddenSize() / spec.headSize();
    int ffn = spec.layers().get(0).ffn();
    boolean ok = spec.hiddenSize() % spec.headSize() == 0 && ffn > 0;
    for (LayerSpec l : spec.layers()) {
      ok &= l.heads() == heads && l.ffn() == ffn;
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "a Hugging Face config cannot express this "
              + spec.architecture().id()
              + " spec: it needs every layer to keep"
              + " hidden_size / head_size = "
              + spec.hiddenSize()
              + " / "
              + spec.headSize()
              + " heads and one positive FFN width, but the layers keep heads "
              + spec.headsPerLayer()
              + " and FFN widths "
              + spec.ffnPerLayer()
              + "; save it as a SavedModel instead");
    }
  }

  private static void writeConfig(ModelSpec spec, Path file) throws IOException {
    int heads = spec.hiddenSize() / spec.headSize();
    int ffn = spec.layers().get(0).ffn();
    Map<String, Object> c = new LinkedHashMap<>();
    if (spec.architecture() == Architecture.BERT) {
      c.put("architectures", List.of(spec.mlmHead() ? "BertForMaskedLM" : "BertModel"));
      c.put("model_type", "bert");
      c.put("vocab_size", spec.vocabSize());
      c.put("hidden_size", spec.hiddenSize());
      c.put("num_hidden_layers", spec.numLayers());
      c.put("num_attention_heads", heads);
      c.put("intermediate_size", ffn);
      c.put("max_position_embeddings", spec.maxPositions());
      c.put("type_vocab_size", spec.typeVocabSize());
      c.put("hidden_act", spec.hiddenAct().id());
      c.put("layer_norm_eps", spec.layerNormEps());
      c.put("position_embedding_type", "absolute");
    } else {
      c.put("architectures", List.of("GPT2LMHeadModel"));
      c.put("model_type", "gpt2");
      c.put("vocab_size", spec.vocabSize());
      c.put("n_embd", spec.hiddenSize());
      c.put("n_layer", spec.numLayers());
      c.put("n_head", heads);
      c.put("n_inner", ffn);
      c.put("n_positions", spec.maxPositions());
      c.put("n_ctx", spec.maxPositions());
      c.put("activation_function", spec.hiddenAct().id());
      c.put("layer_norm_epsilon", spec.layerNormEps());
    }
    c.put("tie_word_embeddings", true);
    try {
      Files.writeString(
          file,
          SafetensorsFile.JSON
                  .copy()
                  .enable(SerializationFeature.INDENT_OUTPUT)
                  .writeValueAsString(c)
              + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise config for " + file, e);
    }
  }
}
