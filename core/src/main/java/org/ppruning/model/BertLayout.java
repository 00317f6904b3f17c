package org.ppruning.model;

import java.util.List;
import java.util.Map;

/**
 * Weight names of Google's original BERT checkpoints (kernels stored [in, out]). Hugging Face and
 * ONNX importers translate into these names.
 */
public record BertLayout(ModelSpec spec) implements ModelLayout {

  public static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";
  public static final String POSITION_EMBEDDINGS = "bert/embeddings/position_embeddings";
  public static final String TOKEN_TYPE_EMBEDDINGS = "bert/embeddings/token_type_embeddings";
  public static final String EMBEDDINGS_LN = "bert/embeddings/LayerNorm";
  public static final String POOLER = "bert/pooler/dense";
  public static final String MLM_TRANSFORM = "cls/predictions/transform/dense";
  public static final String MLM_TRANSFORM_LN = "cls/predictions/transform/LayerNorm";
  public static final String MLM_OUTPUT_BIAS = "cls/predictions/output_bias";

  /** Sequence-classification head over the sentence vector (fine-tuned models). */
  public static final String CLASSIFIER = "classifier";

  /** Extractive-QA head: start and end logit of every token (Hugging Face's name). */
  public static final String QA_OUTPUTS = "qa_outputs";

  /** Prefix of layer {@code i}, e.g. {@code bert/encoder/layer_3}. */
  public static String layer(int i) {
    return "bert/encoder/layer_" + i;
  }

  public static String query(int i) {
    return layer(i) + "/attention/self/query";
  }

  public static String key(int i) {
    return layer(i) + "/attention/self/key";
  }

  public static String value(int i) {
    return layer(i) + "/attention/self/value";
  }

  /** Attention output projection (its input is the per-head context). */
  public static String attentionOutput(int i) {
    return layer(i) + "/attention/output/dense";
  }

  public static String attentionLn(int i) {
    return layer(i) + "/attention/output/LayerNorm";
  }

  /** First FFN matrix. */
  public static String intermediate(int i) {
    return layer(i) + "/intermediate/dense";
  }

  /** Second FFN matrix (its input is the post-GELU activation). */
  public static String output(int i) {
    return layer(i) + "/output/dense";
  }

  public static String outputLn(int i) {
    return layer(i) + "/output/LayerNorm";
  }

  @Override
  public Map<String, long[]> shapes() {
    long d = spec.hiddenSize();
    long dh = spec.headSize();
    Map<String, long[]> m = ModelLayout.orderedShapes();
    m.put(WORD_EMBEDDINGS, new long[] {spec.vocabSize(), d});
    m.put(POSITION_EMBEDDINGS, new long[] {spec.maxPositions(), d});
    m.put(TOKEN_TYPE_EMBEDDINGS, new long[] {spec.typeVocabSize(), d});
    layerNorm(m, EMBEDDINGS_LN, d);
    for (int i = 0; i < spec.numLayers(); i++) {
      long hw = spec.layers().get(i).heads() * dh;
      long f = spec.layers().get(i).ffn();
      dense(m, query(i), d, hw);
      dense(m, key(i), d, hw);
      dense(m, value(i), d, hw);
      dense(m, attentionOutput(i), hw, d);
      layerNorm(m, attentionLn(i), d);
      dense(m, intermediate(i), d, f);
      dense(m, output(i), f, d);
      layerNorm(m, outputLn(i), d);
    }
    if (spec.pooler()) {
      dense(m, POOLER, d, d);
    }
    if (spec.mlmHead()) {
      dense(m, MLM_TRANSFORM, d, d);
      layerNorm(m, MLM_TRANSFORM_LN, d);
      m.put(MLM_OUTPUT_BIAS, new long[] {spec.vocabSize()});
    }
    if (spec.head() != null && spec.head().readsSentence()) {
      dense(m, CLASSIFIER, d, spec.head().classifierOutputs());
    }
    if (spec.head() != null && spec.head().type().equals(TaskHead.EXTRACTIVE_QA)) {
      dense(m, QA_OUTPUTS, d, 2);
    }
    return m;
  }

  @Override
  public List<UnitTensor> headTensors(int i) {
    int dh = spec.headSize();
    return List.of(
        new UnitTensor(query(i) + "/kernel", 1, 1, dh),
        new UnitTensor(query(i) + "/bias", 0, 1, dh),
        new UnitTensor(key(i) + "/kernel", 1, 1, dh),
        new UnitTensor(key(i) + "/bias", 0, 1, dh),
        new UnitTensor(value(i) + "/kernel", 1, 1, dh),
        new UnitTensor(value(i) + "/bias", 0, 1, dh),
        new UnitTensor(attentionOutput(i) + "/kernel", 0, 1, dh));
  }

  @Override
  public List<UnitTensor> neuronTensors(int i) {
    return List.of(
        new UnitTensor(intermediate(i) + "/kernel", 1, 1, 1),
        new UnitTensor(intermediate(i) + "/bias", 0, 1, 1),
        new UnitTensor(output(i) + "/kernel", 0, 1, 1));
  }

  @Override
  public Projection attentionProjection(int i) {
    return new Projection(attentionOutput(i) + "/kernel", attentionOutput(i) + "/bias");
  }

  @Override
  public Projection ffnProjection(int i) {
    return new Projection(output(i) + "/kernel", output(i) + "/bias");
  }

  static void dense(Map<String, long[]> m, String prefix, long in, long out) {
    m.put(prefix + "/kernel", new long[] {in, out});
    m.put(prefix + "/bias", new long[] {out});
  }

  static void layerNorm(Map<String, long[]> m, String prefix, long d) {
    m.put(prefix + "/gamma", new long[] {d});
    m.put(prefix + "/beta", new long[] {d});
  }
}
