package org.ppruning.model;

import java.util.List;
import java.util.Map;

/**
 * Weight names of OpenAI's GPT-2 TensorFlow checkpoints ({@code model/h0/attn/c_attn/w} ...), with
 * the convolution's leading 1 dropped: every {@code w} is [in, out]. {@code c_attn} holds query,
 * key and value side by side, so heads are sliced in three blocks. The LM head is tied to {@code
 * wte}.
 */
public record Gpt2Layout(ModelSpec spec) implements ModelLayout {

  public static final String WTE = "model/wte";
  public static final String WPE = "model/wpe";
  public static final String LN_F = "model/ln_f";

  /** Extractive-QA head on the final hidden states: start and end logit of every token. */
  public static final String QA_OUTPUTS = "qa_outputs";

  public static String block(int i) {
    return "model/h" + i;
  }

  public static String ln1(int i) {
    return block(i) + "/ln_1";
  }

  /** Fused query/key/value projection, [d, 3 * heads * dh]. */
  public static String cAttn(int i) {
    return block(i) + "/attn/c_attn";
  }

  /** Attention output projection. */
  public static String attnProj(int i) {
    return block(i) + "/attn/c_proj";
  }

  public static String ln2(int i) {
    return block(i) + "/ln_2";
  }

  /** First FFN matrix. */
  public static String fc(int i) {
    return block(i) + "/mlp/c_fc";
  }

  /** Second FFN matrix. */
  public static String mlpProj(int i) {
    return block(i) + "/mlp/c_proj";
  }

  @Override
  public Map<String, long[]> shapes() {
    long d = spec.hiddenSize();
    long dh = spec.headSize();
    Map<String, long[]> m = ModelLayout.orderedShapes();
    m.put(WTE, new long[] {spec.vocabSize(), d});
    m.put(WPE, new long[] {spec.maxPositions(), d});
    for (int i = 0; i < spec.numLayers(); i++) {
      long hw = spec.layers().get(i).heads() * dh;
      long f = spec.layers().get(i).ffn();
      layerNorm(m, ln1(i), d);
      linear(m, cAttn(i), d, 3 * hw);
      linear(m, attnProj(i), hw, d);
      layerNorm(m, ln2(i), d);
      linear(m, fc(i), d, f);
      linear(m, mlpProj(i), f, d);
    }
    layerNorm(m, LN_F, d);
    if (spec.head() != null && spec.head().type().equals(TaskHead.EXTRACTIVE_QA)) {
      linear(m, QA_OUTPUTS, d, 2);
    }
    return m;
  }

  @Override
  public List<UnitTensor> headTensors(int i) {
    int dh = spec.headSize();
    return List.of(
        new UnitTensor(cAttn(i) + "/w", 1, 3, dh),
        new UnitTensor(cAttn(i) + "/b", 0, 3, dh),
        new UnitTensor(attnProj(i) + "/w", 0, 1, dh));
  }

  @Override
  public List<UnitTensor> neuronTensors(int i) {
    return List.of(
        new UnitTensor(fc(i) + "/w", 1, 1, 1),
        new UnitTensor(fc(i) + "/b", 0, 1, 1),
        new UnitTensor(mlpProj(i) + "/w", 0, 1, 1));
  }

  @Override
  public Projection attentionProjection(int i) {
    return new Projection(attnProj(i) + "/w", attnProj(i) + "/b");
  }

  @Override
  public Projection ffnProjection(int i) {
    return new Projection(mlpProj(i) + "/w", mlpProj(i) + "/b");
  }

  static void linear(Map<String, long[]> m, String prefix, long in, long out) {
    m.put(prefix + "/w", new long[] {in, out});
    m.put(prefix + "/b", new long[] {out});
  }

  static void layerNorm(Map<String, long[]> m, String prefix, long d) {
    m.put(prefix + "/g", new long[] {d});
    m.put(prefix + "/b", new long[] {d});
  }
}
