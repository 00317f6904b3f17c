package org.ppruning.importer.safetensors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;

/**
 * The one table between Hugging Face tensor names and ppruning's canonical names, used in both
 * directions by {@link HuggingFaceImporter} and {@link HuggingFaceExporter}.
 *
 * <p>Base-model names are kept without their prefix ({@code embeddings.word_embeddings.weight}); a
 * checkpoint of a model with a head stores them under {@link #basePrefix} ({@code bert.} or {@code
 * transformer.}). Head names ({@code cls.predictions.bias}) are always top-level.
 */
final class HuggingFaceNames {

  /**
   * One weight.
   *
   * @param hf Hugging Face name, without the base prefix for base-model weights
   * @param head whether the weight belongs to a head (top-level name, never prefixed)
   * @param canonical ppruning name
   * @param transpose whether the Hugging Face tensor is the transpose of the canonical one ({@code
   *     nn.Linear} stores [out, in]; TF kernels and GPT-2's Conv1D [in, out])
   */
  record Entry(String hf, boolean head, String canonical, boolean transpose) {}

  static final String BERT_PREFIX = "bert.";
  static final String GPT2_PREFIX = "transformer.";

  /** Masked-LM decoder weight, tied to the word embeddings. */
  static final String BERT_DECODER_WEIGHT = "cls.predictions.decoder.weight";

  /** Masked-LM decoder bias, tied to {@link #BERT_OUTPUT_BIAS} in Hugging Face models. */
  static final String BERT_DECODER_BIAS = "cls.predictions.decoder.bias";

  static final String BERT_OUTPUT_BIAS = "cls.predictions.bias";
  static final String BERT_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

  /** GPT-2 LM head, tied to {@code wte}. */
  static final String GPT2_LM_HEAD = "lm_head.weight";

  static final String GPT2_WTE = "wte.weight";

  private static final Pattern GPT2_ATTN_BUFFER =
      Pattern.compile("h\\.(\\d+)\\.attn\\.(bias|masked_bias)");

  private HuggingFaceNames() {}

  static String basePrefix(Architecture arch) {
    return arch == Architecture.BERT ? BERT_PREFIX : GPT2_PREFIX;
  }

  /**
   * Every weight of {@code spec}, keyed by Hugging Face name (base names unprefixed), in the
   * layout's order.
   */
  static Map<String, Entry> table(ModelSpec spec) {
    Map<String, Entry> m = new LinkedHashMap<>();
    if (spec.architecture() == Architecture.BERT) {
      bert(spec, m);
    } else {
      gpt2(spec, m);
    }
    // The layout is the authority on what a spec needs: the table must name exactly its weights.
    Map<String, long[]> shapes = ModelLayout.of(spec).shapes();
    Map<String, Entry> byCanonical = new LinkedHashMap<>();
    m.values().forEach(e -> byCanonical.put(e.canonical(), e));
    if (!byCanonical.keySet().equals(shapes.keySet()) || byCanonical.size() != m.size()) {
      throw new IllegalStateException(
          "Hugging Face name table out of step with the "
              + spec.architecture().id()
              + " layout: "
              + byCanonical.keySet()
              + " vs "
              + shapes.keySet());
    }
    return m;
  }

  /** The Hugging Face shape of a canonical tensor's shape. */
  static long[] hfShape(Entry e, long[] canonicalShape) {
    if (!e.transpose()) {
      return canonicalShape;
    }
    long[] r = canonicalShape.clone();
    for (int i = 0; i < r.length / 2; i++) {
      long t = r[i];
      r[i] = r[r.length - 1 - i];
      r[r.length - 1 - i] = t;
    }
    return r;
  }

  /**
   * Whether a (prefix-stripped) name is a buffer or head that ppruning knowingly leaves out: BERT's
   * {@code position_ids} buffer and next-sentence head, GPT-2's causal-mask buffers.
   */
  static boolean knownUnused(ModelSpec spec, String key) {
    if (spec.architecture() == Architecture.BERT) {
      return key.equals("embeddings.position_ids")
          || key.equals("cls.seq_relationship.weight")
          || key.equals("cls.seq_relationship.bias");
    }
    var mt = GPT2_ATTN_BUFFER.matcher(key);
    return mt.matches() && Integer.parseInt(mt.group(1)) < spec.numLayers();
  }

  private static void bert(ModelSpec spec, Map<String, Entry> m) {
    plain(m, false, BERT_WORD_EMBEDDINGS, BertLayout.WORD_EMBEDDINGS);
    plain(m, false, "embeddings.position_embeddings.weight", BertLayout.POSITION_EMBEDDINGS);
    plain(m, false, "embeddings.token_type_embeddings.weight", BertLayout.TOKEN_TYPE_EMBEDDINGS);
    bertLayerNorm(m, false, "embeddings.LayerNorm", BertLayout.EMBEDDINGS_LN);
    for (int i = 0; i < spec.numLayers(); i++) {
      String h = "encoder.layer." + i + ".";
      linear(m, h + "attention.self.query", BertLayout.query(i));
      linear(m, h + "attention.self.key", BertLayout.key(i));
      linear(m, h + "attention.self.value", BertLayout.value(i));
      linear(m, h + "attention.output.dense", BertLayout.attentionOutput(i));
      bertLayerNorm(m, false, h + "attention.output.LayerNorm", BertLayout.attentionLn(i));
      linear(m, h + "intermediate.dense", BertLayout.intermediate(i));
      linear(m, h + "output.dense", BertLayout.output(i));
      bertLayerNorm(m, false, h + "output.LayerNorm", BertLayout.outputLn(i));
    }
    if (spec.pooler()) {
      linear(m, "pooler.dense", BertLayout.POOLER);
    }
    if (spec.mlmHead()) {
      String t = "cls.predictions.transform.dense";
      m.put(
          t + ".weight",
          new Entry(t + ".weight", true, BertLayout.MLM_TRANSFORM + "/kernel", true));
      m.put(t + ".bias", new Entry(t + ".bias", true, BertLayout.MLM_TRANSFORM + "/bias", false));
      bertLayerNorm(m, true, "cls.predictions.transform.LayerNorm", BertLayout.MLM_TRANSFORM_LN);
      plain(m, true, BERT_OUTPUT_BIAS, BertLayout.MLM_OUTPUT_BIAS);
    }
  }

  private static void gpt2(ModelSpec spec, Map<String, Entry> m) {
    plain(m, false, GPT2_WTE, Gpt2Layout.WTE);
    plain(m, false, "wpe.weight", Gpt2Layout.WPE);
    for (int i = 0; i < spec.numLayers(); i++) {
      String h = "h." + i + ".";
      gpt2LayerNorm(m, h + "ln_1", Gpt2Layout.ln1(i));
      conv1d(m, h + "attn.c_attn", Gpt2Layout.cAttn(i));
      conv1d(m, h + "attn.c_proj", Gpt2Layout.attnProj(i));
      gpt2LayerNorm(m, h + "ln_2", Gpt2Layout.ln2(i));
      conv1d(m, h + "mlp.c_fc", Gpt2Layout.fc(i));
      conv1d(m, h + "mlp.c_proj", Gpt2Layout.mlpProj(i));
    }
    gpt2LayerNorm(m, "ln_f", Gpt2Layout.LN_F);
  }

  private static void plain(Map<String, Entry> m, boolean head, String hf, String canonical) {
    m.put(hf, new Entry(hf, head, canonical, false));
  }

  /** {@code nn.Linear}: weight [out, in] is the transposed TF kernel [in, out]. */
  private static void linear(Map<String, Entry> m, String hf, String canonical) {
    m.put(hf + ".weight", new Entry(hf + ".weight", false, canonical + "/kernel", true));
    m.put(hf + ".bias", new Entry(hf + ".bias", false, canonical + "/bias", false));
  }

  private static void bertLayerNorm(
      Map<String, Entry> m, boolean head, String hf, String canonical) {
    m.put(hf + ".weight", new Entry(hf + ".weight", head, canonical + "/gamma", false));
    m.put(hf + ".bias", new Entry(hf + ".bias", head, canonical + "/beta", false));
  }

  /** GPT-2's Conv1D already stores [in, out], as the TF checkpoint does. */
  private static void conv1d(Map<String, Entry> m, String hf, String canonical) {
    m.put(hf + ".weight", new Entry(hf + ".weight", false, canonical + "/w", false));
    m.put(hf + ".bias", new Entry(hf + ".bias", false, canonical + "/b", false));
  }

  private static void gpt2LayerNorm(Map<String, Entry> m, String hf, String canonical) {
    m.put(hf + ".weight", new Entry(hf + ".weight", false, canonical + "/g", false));
    m.put(hf + ".bias", new Entry(hf + ".bias", false, canonical + "/b", false));
  }
}
