package org.ppruning.importer.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.ppruning.model.FloatTensor;

/**
 * Tiny random checkpoints in Hugging Face naming ({@code nn.Linear} weights [out, in]), with the
 * canonical tensors each import must produce, spelled out here independently of the code under
 * test.
 */
final class HfFixture {
  static final int V = 20;
  static final int D = 8;
  static final int HEADS = 2;
  static final int F = 16;
  static final int L = 2;
  static final int POS = 12;
  static final int TYPES = 2;

  /** Checkpoint tensors by Hugging Face name, in file order. */
  final Map<String, FloatTensor> hf = new LinkedHashMap<>();

  /** What the importer must return, by canonical name. */
  final Map<String, FloatTensor> canonical = new LinkedHashMap<>();

  private final Random rnd;

  private HfFixture(long seed) {
    rnd = new Random(seed);
  }

  /**
   * A BERT checkpoint.
   *
   * @param p base prefix, {@code "bert."} or {@code ""}
   * @param gammaBeta name LayerNorm parameters gamma/beta (older checkpoints), not weight/bias
   */
  static HfFixture bert(String p, boolean pooler, boolean mlm, boolean gammaBeta) {
    HfFixture f = new HfFixture(42);
    f.same(p + "embeddings.word_embeddings.weight", "bert/embeddings/word_embeddings", V, D);
    f.same(
        p + "embeddings.position_embeddings.weight", "bert/embeddings/position_embeddings", POS, D);
    f.same(
        p + "embeddings.token_type_embeddings.weight",
        "bert/embeddings/token_type_embeddings",
        TYPES,
        D);
    f.bertLn(p + "embeddings.LayerNorm", "bert/embeddings/LayerNorm", gammaBeta);
    for (int i = 0; i < L; i++) {
      String h = p + "encoder.layer." + i + ".";
      String c = "bert/encoder/layer_" + i + "/";
      f.linear(h + "attention.self.query", c + "attention/self/query", D, D);
      f.linear(h + "attention.self.key", c + "attention/self/key", D, D);
      f.linear(h + "attention.self.value", c + "attention/self/value", D, D);
      f.linear(h + "attention.output.dense", c + "attention/output/dense", D, D);
      f.bertLn(h + "attention.output.LayerNorm", c + "attention/output/LayerNorm", gammaBeta);
      f.linear(h + "intermediate.dense", c + "intermediate/dense", D, F);
      f.linear(h + "output.dense", c + "output/dense", F, D);
      f.bertLn(h + "output.LayerNorm", c + "output/LayerNorm", gammaBeta);
    }
    if (pooler) {
      f.linear(p + "pooler.dense", "bert/pooler/dense", D, D);
    }
    if (mlm) {
      f.linear("cls.predictions.transform.dense", "cls/predictions/transform/dense", D, D);
      f.bertLn(
          "cls.predictions.transform.LayerNorm", "cls/predictions/transform/LayerNorm", gammaBeta);
      f.same("cls.predictions.bias", "cls/predictions/output_bias", V);
    }
    return f;
  }

  /** A GPT-2 checkpoint with {@code ffn} inner width; {@code p} is "transformer." or "". */
  static HfFixture gpt2(String p, int ffn) {
    HfFixture f = new HfFixture(7);
    f.same(p + "wte.weight", "model/wte", V, D);
    f.same(p + "wpe.weight", "model/wpe", POS, D);
    for (int i = 0; i < L; i++) {
      String h = p + "h." + i + ".";
      String c = "model/h" + i + "/";
      f.gpt2Ln(h + "ln_1", c + "ln_1");
      f.conv(h + "attn.c_attn", c + "attn/c_attn", D, 3 * D);
      f.conv(h + "attn.c_proj", c + "attn/c_proj", D, D);
      f.gpt2Ln(h + "ln_2", c + "ln_2");
      f.conv(h + "mlp.c_fc", c + "mlp/c_fc", D, ffn);
      f.conv(h + "mlp.c_proj", c + "mlp/c_proj", ffn, D);
    }
    f.gpt2Ln(p + "ln_f", "model/ln_f");
    return f;
  }

  static final String BERT_CONFIG =
      """
      {"architectures": ["BertForPreTraining"], "model_type": "bert", "vocab_size": 20,
       "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
       "intermediate_size": 16, "max_position_embeddings": 12, "type_vocab_size": 2,
       "hidden_act": "gelu", "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
       "position_embedding_type": "absolute", "pad_token_id": 0}
      """;

  static final String GPT2_CONFIG =
      """
      {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 20, "n_embd": 8,
       "n_layer": 2, "n_head": 2, "n_inner": null, "n_positions": 12, "n_ctx": 12,
       "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, "resid_pdrop": 0.1}
      """;

  /** Writes {@code config} and the tensors as {@code model.safetensors} into {@code dir}. */
  Path write(Path dir, String config) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config);
    writer().write(dir.resolve("model.safetensors"));
    return dir;
  }

  SafetensorsWriter writer() {
    return new SafetensorsWriter().metadata("format", "pt").putAll(hf);
  }

  private void same(String hfName, String canon, long... shape) {
    FloatTensor t = SafetensorsFileTest.random(rnd, shape);
    hf.put(hfName, t);
    canonical.put(canon, t);
  }

  /** nn.Linear: weight [out, in]; the canonical kernel is its transpose [in, out]. */
  private void linear(String hfName, String canon, int in, int out) {
    FloatTensor w = SafetensorsFileTest.random(rnd, out, in);
    hf.put(hfName + ".weight", w);
    canonical.put(canon + "/kernel", transpose(w));
    same(hfName + ".bias", canon + "/bias", out);
  }

  /** GPT-2 Conv1D: weight already [in, out]. */
  private void conv(String hfName, String canon, int in, int out) {
    same(hfName + ".weight", canon + "/w", in, out);
    same(hfName + ".bias", canon + "/b", out);
  }

  private void bertLn(String hfName, String canon, boolean gammaBeta) {
    same(hfName + (gammaBeta ? ".gamma" : ".weight"), canon + "/gamma", D);
    same(hfName + (gammaBeta ? ".beta" : ".bias"), canon + "/beta", D);
  }

  private void gpt2Ln(String hfName, String canon) {
    same(hfName + ".weight", canon + "/g", D);
    same(hfName + ".bias", canon + "/b", D);
  }

  /** Element [i][j] of the result is element [j][i] of {@code t}. */
  static FloatTensor transpose(FloatTensor t) {
    int r = (int) t.dim(0);
    int c = (int) t.dim(1);
    float[] out = new float[r * c];
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < r; j++) {
        out[i * r + j] = t.data()[j * c + i];
      }
    }
    return new FloatTensor(new long[] {c, r}, out);
  }
}
