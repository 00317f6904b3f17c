package org.ppruning.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to rebuild a (possibly pruned) model's graph from its weights. Stored as {@code
 * assets/ppruning-spec.json} inside every SavedModel ppruning writes. Field names follow Hugging
 * Face {@code config.json} where one exists.
 *
 * @param format always {@link #FORMAT}; lets readers refuse files they do not understand
 * @param architecture {@code bert} or {@code gpt2}
 * @param vocabSize rows of the word embedding
 * @param hiddenSize model width d
 * @param headSize per-head width dh (d / original heads for the models we import)
 * @param maxPositions rows of the position embedding: the longest sequence the model accepts
 * @param typeVocabSize token-type rows (bert; 0 for gpt2)
 * @param hiddenAct FFN activation
 * @param layerNormEps LayerNorm epsilon (1e-12 for BERT, 1e-5 for GPT-2)
 * @param pooler whether the bert pooler (tanh dense on the first token) exists
 * @param mlmHead whether the bert masked-LM head exists (gpt2 always has its tied LM head)
 * @param originalHeads heads per layer before any pruning
 * @param originalFfn FFN width per layer before any pruning
 * @param layers per-layer kept units (lineage); their counts are the layer widths
 * @param source where the weights came from (catalog name, Maven coordinates or a path)
 * @param tokenizer tokenizer kind; null if the model has no tokenizer attached
 * @param metadata free-form provenance (pruning budget, thresholds, seed ...); may be empty
 * @param head the task head of a fine-tuned model, or null for a pre-trained one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(
    String format,
    Architecture architecture,
    int vocabSize,
    int hiddenSize,
    int headSize,
    int maxPositions,
    int typeVocabSize,
    Activation hiddenAct,
    double layerNormEps,
    boolean pooler,
    boolean mlmHead,
    int originalHeads,
    int originalFfn,
    List<LayerSpec> layers,
    String source,
    TokenizerSpec tokenizer,
    Map<String, Object> metadata,
    TaskHead head) {

  public static final String FORMAT = "ppruning-spec/1";

  /** File name of the spec inside a SavedModel's {@code assets/} folder. */
  public static final String ASSET_NAME = "ppruning-spec.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ModelSpec {
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException(
          "spec format must be '" + FORMAT + "', got '" + format + "'");
    }
    if (architecture == null || hiddenAct == null) {
      throw new IllegalArgumentException("spec needs an architecture and a hiddenAct");
    }
    positive("vocabSize", vocabSize);
    positive("hiddenSize", hiddenSize);
    positive("headSize", headSize);
    positive("maxPositions", maxPositions);
    positive("originalHeads", originalHeads);
    positive("originalFfn", originalFfn);
    if (architecture == Architecture.BERT) {
      positive("typeVocabSize", typeVocabSize);
    } else if (typeVocabSize != 0 || pooler || mlmHead) {
      throw new IllegalArgumentException("gpt2 specs have no token types, pooler or MLM head");
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
    }
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("spec has no layers");
    }
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec l = layers.get(i);
      if (l.heads() > 0 && l.keptHeads()[l.heads() - 1] >= originalHeads) {
        throw new IllegalArgumentException(
            "layer " + i + " keeps head " + l.keptHeads()[l.heads() - 1] + " of " + originalHeads);
      }
      if (l.ffn() > 0 && l.keptNeurons()[l.ffn() - 1] >= originalFfn) {
        throw new IllegalArgumentException(
            "layer " + i + " keeps neuron " + l.keptNeurons()[l.ffn() - 1] + " of " + originalFfn);
      }
    }
    if (head != null) {
      boolean gpt2 = architecture == Architecture.GPT2;
      if (head.type().equals(TaskHead.CAUSAL_LM) != gpt2
          && !head.type().equals(TaskHead.EXTRACTIVE_QA)) {
        throw new IllegalArgumentException(
            "a "
                + head.type()
                + " head needs the "
                + (gpt2 ? "bert" : "gpt2")
                + " architecture, this spec is "
                + architecture.id());
      }
      if (head.usesPooler() && !pooler) {
        throw new IllegalArgumentException("a " + head.type() + " head needs the pooler");
      }
      if (head.type().equals(TaskHead.MASKED_LM) && !mlmHead) {
        throw new IllegalArgumentException("a masked_lm head needs the MLM weights (mlmHead)");
      }
    }
    layers = List.copyOf(layers);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** A fresh, unpruned spec with {@code numLayers} identical layers. */
  public static ModelSpec unpruned(
      Architecture arch,
      int vocabSize,
      int hiddenSize,
      int numLayers,
      int numHeads,
      int ffn,
      int maxPositions,
      int typeVocabSize,
      Activation act,
      double eps,
      boolean pooler,
      boolean mlmHead,
      String source,
      TokenizerSpec tokenizer) {
    if (numHeads <= 0 || hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException(
          "hidden size " + hiddenSize + " is not a multiple of the head count " + numHeads);
    }
    List<LayerSpec> layers = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      layers.add(LayerSpec.full(numHeads, ffn));
    }
    return new ModelSpec(
        FORMAT,
        arch,
        vocabSize,
        hiddenSize,
        hiddenSize / numHeads,
        maxPositions,
        typeVocabSize,
        act,
        eps,
        pooler,
        mlmHead,
        numHeads,
        ffn,
        layers,
        source,
        tokenizer,
        Map.of(),
        null);
  }

  @JsonIgnore
  public int numLayers() {
    return layers.size();
  }

  @JsonIgnore
  public List<Integer> headsPerLayer() {
    return layers.stream().map(LayerSpec::heads).toList();
  }

  @JsonIgnore
  public List<Integer> ffnPerLayer() {
    return layers.stream().map(LayerSpec::ffn).toList();
  }

  /** The same spec with other layers (after unit removal). */
  public ModelSpec withLayers(List<LayerSpec> newLayers) {
    return new ModelSpec(
        format,
        architecture,
        vocabSize,
        hiddenSize,
        headSize,
        maxPositions,
        typeVocabSize,
        hiddenAct,
        layerNormEps,
        pooler,
        mlmHead,
        originalHeads,
        originalFfn,
        newLayers,
        source,
        tokenizer,
        metadata,
        head);
  }

  /** The same spec with another tokenizer description. */
  public ModelSpec withTokenizer(TokenizerSpec t) {
    return new ModelSpec(
        format,
        architecture,
        vocabSize,
        hiddenSize,
        headSize,
        maxPositions,
        typeVocabSize,
        hiddenAct,
        layerNormEps,
        pooler,
        mlmHead,
        originalHeads,
        originalFfn,
        layers,
        source,
        t,
        metadata,
        head);
  }

  /**
   * The same spec with a task head. A head that pools with BERT's pooler adds one if the spec had
   * none; a masked_lm head adds the MLM head weights if the spec had none.
   */
  public ModelSpec withHead(TaskHead h) {
    boolean needsPooler = h != null && h.usesPooler();
    boolean needsMlm =
        h != null && h.type().equals(TaskHead.MASKED_LM) && architecture == Architecture.BERT;
    return new ModelSpec(
        format,
        architecture,
        vocabSize,
        hiddenSize,
        headSize,
        maxPositions,
        typeVocabSize,
        hiddenAct,
        layerNormEps,
        needsPooler || pooler,
        needsMlm || mlmHead,
        originalHeads,
        originalFfn,
        layers,
        source,
        tokenizer,
        metadata,
        h);
  }

  /** The same spec with another source description. */
  public ModelSpec withSource(String newSource) {
    return new ModelSpec(
        format,
        architecture,
        vocabSize,
        hiddenSize,
        headSize,
        maxPositions,
        typeVocabSize,
        hiddenAct,
        layerNormEps,
        pooler,
        mlmHead,
        originalHeads,
        originalFfn,
        layers,
        newSource,
        tokenizer,
        metadata,
        head);
  }

  /** The same spec with one more metadata entry (replacing one of the same key). */
  public ModelSpec withMetadata(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(metadata);
    m.put(key, value);
    return new ModelSpec(
        format,
        architecture,
        vocabSize,
        hiddenSize,
        headSize,
        maxPositions,
        typeVocabSize,
        hiddenAct,
        layerNormEps,
        pooler,
        mlmHead,
        originalHeads,
        originalFfn,
        layers,
        source,
        tokenizer,
        m,
        head);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise spec", e);
    }
  }

  public static ModelSpec fromJson(String json, String where) {
    try {
      return JSON.readValue(json, ModelSpec.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "invalid model spec in " + where + ": " + e.getMessage(), e);
    }
  }

  public static ModelSpec read(Path file) throws IOException {
    return fromJson(Files.readString(file), file.toString());
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }
}
