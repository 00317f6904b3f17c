package org.ppruning.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * An independent float64 implementation of both architectures with plain loops, written from the
 * papers, to check the TF graphs against. Slow; tiny models only.
 */
public final class ReferenceForward {
  private ReferenceForward() {}

  public static Map<String, double[][][]> run(ModelSpec s, Weights w, TokenBatch b) {
    return s.architecture() == Architecture.BERT ? bert(s, w, b) : gpt2(s, w, b);
  }

  static Map<String, double[][][]> bert(ModelSpec s, Weights w, TokenBatch b) {
    int d = s.hiddenSize();
    double[][][] out = new double[b.size()][][];
    double[][][] mlm = new double[b.size()][][];
    double[][][] pooled = new double[b.size()][1][];
    for (int n = 0; n < b.size(); n++) {
      int t = b.seqLen();
      double[][] x = new double[t][d];
      for (int j = 0; j < t; j++) {
        int id = b.inputIds()[n * t + j];
        int ty = b.tokenTypeIds()[n * t + j];
        for (int c = 0; c < d; c++) {
          x[j][c] =
              at(w, BertLayout.WORD_EMBEDDINGS, id, c)
                  + at(w, BertLayout.POSITION_EMBEDDINGS, j, c)
                  + at(w, BertLayout.TOKEN_TYPE_EMBEDDINGS, ty, c);
        }
        x[j] =
            ln(
                x[j],
                w,
                BertLayout.EMBEDDINGS_LN + "/gamma",
                BertLayout.EMBEDDINGS_LN + "/beta",
                s.layerNormEps());
      }
      for (int i = 0; i < s.numLayers(); i++) {
        int h = s.layers().get(i).heads();
        double[][] attn = new double[t][];
        for (int j = 0; j < t; j++) {
          attn[j] = vec(w, BertLayout.attentionOutput(i) + "/bias");
        }
        if (h > 0) {
          double[][] q =
              dense(x, w, BertLayout.query(i) + "/kernel", BertLayout.query(i) + "/bias");
          double[][] k = dense(x, w, BertLayout.key(i) + "/kernel", BertLayout.key(i) + "/bias");
          double[][] v =
              dense(x, w, BertLayout.value(i) + "/kernel", BertLayout.value(i) + "/bias");
          double[][] ctx = attention(q, k, v, h, s.headSize(), b, n, false);
          attn =
              dense(
                  ctx,
                  w,
                  BertLayout.attentionOutput(i) + "/kernel",
                  BertLayout.attentionOutput(i) + "/bias");
        }
        for (int j = 0; j < t; j++) {
          x[j] =
              ln(
                  add(x[j], attn[j]),
                  w,
                  BertLayout.attentionLn(i) + "/gamma",
                  BertLayout.attentionLn(i) + "/beta",
                  s.layerNormEps());
        }
        double[][] ffn =
            ffn(
                x,
                w,
                BertLayout.intermediate(i),
                BertLayout.output(i),
                "/kernel",
                "/bias",
                s.layers().get(i).ffn(),
                s.hiddenAct());
        for (int j = 0; j < t; j++) {
          x[j] =
              ln(
                  add(x[j], ffn[j]),
                  w,
                  BertLayout.outputLn(i) + "/gamma",
                  BertLayout.outputLn(i) + "/beta",
                  s.layerNormEps());
        }
      }
      out[n] = x;
      if (!s.pooler() && !s.mlmHead()) {
        continue;
      }
      if (s.pooler()) {
        pooled[n][0] =
            dense(
                new double[][] {x[0]},
                w,
                BertLayout.POOLER + "/kernel",
                BertLayout.POOLER + "/bias")[0];
        for (int c = 0; c < d; c++) {
          pooled[n][0][c] = Math.tanh(pooled[n][0][c]);
        }
      }
      if (!s.mlmHead()) {
        continue;
      }
      double[][] tr =
          dense(x, w, BertLayout.MLM_TRANSFORM + "/kernel", BertLayout.MLM_TRANSFORM + "/bias");
      mlm[n] = new double[t][];
      for (int j = 0; j < t; j++) {
        for (int c = 0; c < d; c++) {
          tr[j][c] = gelu(tr[j][c], s.hiddenAct());
        }
        tr[j] =
            ln(
                tr[j],
                w,
                BertLayout.MLM_TRANSFORM_LN + "/gamma",
                BertLayout.MLM_TRANSFORM_LN + "/beta",
                s.layerNormEps());
        mlm[n][j] = tied(tr[j], w, BertLayout.WORD_EMBEDDINGS, s.vocabSize());
        double[] bias = vec(w, BertLayout.MLM_OUTPUT_BIAS);
        for (int c = 0; c < s.vocabSize(); c++) {
          mlm[n][j][c] += bias[c];
        }
      }
    }
    Map<String, double[][][]> m = new LinkedHashMap<>();
    m.put("sequence_output", out);
    m.put("pooled_output", pooled);
    m.put("mlm_logits", mlm);
    return m;
  }

  static Map<String, double[][][]> gpt2(ModelSpec s, Weights w, TokenBatch b) {
    int d = s.hiddenSize();
    double[][][] logits = new double[b.size()][][];
    for (int n = 0; n < b.size(); n++) {
      int t = b.seqLen();
      double[][] x = new double[t][d];
      for (int j = 0; j < t; j++) {
        int id = b.inputIds()[n * t + j];
        for (int c = 0; c < d; c++) {
          x[j][c] = at(w, Gpt2Layout.WTE, id, c) + at(w, Gpt2Layout.WPE, j, c);
        }
      }
      for (int i = 0; i < s.numLayers(); i++) {
        int h = s.layers().get(i).heads();
        double[][] attn = new double[t][];
        for (int j = 0; j < t; j++) {
          attn[j] = vec(w, Gpt2Layout.attnProj(i) + "/b");
        }
        if (h > 0) {
          double[][] a = new double[t][];
          for (int j = 0; j < t; j++) {
            a[j] =
                ln(x[j], w, Gpt2Layout.ln1(i) + "/g", Gpt2Layout.ln1(i) + "/b", s.layerNormEps());
          }
          double[][] qkv = dense(a, w, Gpt2Layout.cAttn(i) + "/w", Gpt2Layout.cAttn(i) + "/b");
          int hw = h * s.headSize();
          double[][] q = new double[t][hw];
          double[][] k = new double[t][hw];
          double[][] v = new double[t][hw];
          for (int j = 0; j < t; j++) {
            System.arraycopy(qkv[j], 0, q[j], 0, hw);
            System.arraycopy(qkv[j], hw, k[j], 0, hw);
            System.arraycopy(qkv[j], 2 * hw, v[j], 0, hw);
          }
          double[][] ctx = attention(q, k, v, h, s.headSize(), b, n, true);
          attn = dense(ctx, w, Gpt2Layout.attnProj(i) + "/w", Gpt2Layout.attnProj(i) + "/b");
        }
        for (int j = 0; j < t; j++) {
          x[j] = add(x[j], attn[j]);
        }
        double[][] a2 = new double[t][];
        for (int j = 0; j < t; j++) {
          a2[j] = ln(x[j], w, Gpt2Layout.ln2(i) + "/g", Gpt2Layout.ln2(i) + "/b", s.layerNormEps());
        }
        double[][] f =
            ffn(
                a2,
                w,
                Gpt2Layout.fc(i),
                Gpt2Layout.mlpProj(i),
                "/w",
                "/b",
                s.layers().get(i).ffn(),
                s.hiddenAct());
        for (int j = 0; j < t; j++) {
          x[j] = add(x[j], f[j]);
        }
      }
      logits[n] = new double[t][];
      for (int j = 0; j < t; j++) {
        logits[n][j] =
            tied(
                ln(x[j], w, Gpt2Layout.LN_F + "/g", Gpt2Layout.LN_F + "/b", s.layerNormEps()),
                w,
                Gpt2Layout.WTE,
                s.vocabSize());
      }
    }
    return Map.of("logits", logits);
  }

  static double[][] ffn(
      double[][] x,
      Weights w,
      String first,
      String second,
      String kw,
      String bw,
      int width,
      Activation act) {
    if (width == 0) {
      double[][] o = new double[x.length][];
      for (int j = 0; j < x.length; j++) {
        o[j] = vec(w, second + bw);
      }
      return o;
    }
    double[][] h = dense(x, w, first + kw, first + bw);
    for (double[] row : h) {
      for (int c = 0; c < row.length; c++) {
        row[c] = gelu(row[c], act);
      }
    }
    return dense(h, w, second + kw, second + bw);
  }

  static double[][] attention(
      double[][] q,
      double[][] k,
      double[][] v,
      int heads,
      int dh,
      TokenBatch b,
      int n,
      boolean causal) {
    int t = q.length;
    double[][] ctx = new double[t][heads * dh];
    for (int hh = 0; hh < heads; hh++) {
      for (int i = 0; i < t; i++) {
        double[] sc = new double[t];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < t; j++) {
          double dot = 0;
          for (int c = 0; c < dh; c++) {
            dot += q[i][hh * dh + c] * k[j][hh * dh + c];
          }
          boolean ok = b.attentionMask()[n * t + j] == 1 && (!causal || j <= i);
          sc[j] = dot / Math.sqrt(dh) + (ok ? 0 : -10000);
          max = Math.max(max, sc[j]);
        }
        double sum = 0;
        for (int j = 0; j < t; j++) {
          sc[j] = Math.exp(sc[j] - max);
          sum += sc[j];
        }
        for (int j = 0; j < t; j++) {
          for (int c = 0; c < dh; c++) {
            ctx[i][hh * dh + c] += sc[j] / sum * v[j][hh * dh + c];
          }
        }
      }
    }
    return ctx;
  }

  public static double gelu(double x, Activation a) {
    if (a == Activation.GELU) {
      return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  /** erf to ~1e-16: Taylor series below 2.5, continued fraction for erfc above. */
  public static double erf(double x) {
    double a = Math.abs(x);
    double r;
    if (a < 2.5) {
      double term = a;
      double sum = a;
      for (int n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
        term *= -a * a / n;
        sum += term / (2 * n + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))
      double f = a;
      for (int n = 60; n >= 1; n--) {
        f = a + (n / 2.0) / f;
      }
      r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return x < 0 ? -r : r;
  }

  /** BERT's last hidden state for one sequence, flattened [seqLen * hidden]. */
  public static double[] bertHidden(ModelSpec s, Weights w, int[] ids, int[] mask, int[] types) {
    TokenBatch b = new TokenBatch(1, ids.length, ids, mask, types);
    double[][] x = bert(s, w, b).get("sequence_output")[0];
    double[] out = new double[ids.length * s.hiddenSize()];
    for (int t = 0; t < ids.length; t++) {
      System.arraycopy(x[t], 0, out, t * s.hiddenSize(), s.hiddenSize());
    }
    return out;
  }

  static double[] ln(double[] x, Weights w, String g, String bName, double eps) {
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= x.length;
    double[] gg = vec(w, g);
    double[] bb = vec(w, bName);
    double[] o = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      o[i] = (x[i] - mean) / Math.sqrt(var + eps) * gg[i] + bb[i];
    }
    return o;
  }

  static double[][] dense(double[][] x, Weights w, String kernel, String bias) {
    FloatTensor k = w.get(kernel);
    int in = (int) k.dim(0);
    int out = (int) k.dim(1);
    double[] bb = vec(w, bias);
    double[][] y = new double[x.length][out];
    for (int r = 0; r < x.length; r++) {
      for (int c = 0; c < out; c++) {
        double s = bb[c];
        for (int i = 0; i < in; i++) {
          s += x[r][i] * k.data()[i * out + c];
        }
        y[r][c] = s;
      }
    }
    return y;
  }

  static double[] tied(double[] x, Weights w, String emb, int vocab) {
    double[] o = new double[vocab];
    for (int v = 0; v < vocab; v++) {
      for (int c = 0; c < x.length; c++) {
        o[v] += x[c] * at(w, emb, v, c);
      }
    }
    return o;
  }

  static double[] add(double[] a, double[] b) {
    double[] o = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      o[i] = a[i] + b[i];
    }
    return o;
  }

  static double[] vec(Weights w, String name) {
    float[] f = w.get(name).data();
    double[] o = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      o[i] = f[i];
    }
    return o;
  }

  static double at(Weights w, String name, int row, int col) {
    FloatTensor t = w.get(name);
    return t.data()[row * (int) t.dim(1) + col];
  }
}
