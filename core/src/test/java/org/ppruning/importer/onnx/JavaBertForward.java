package org.ppruning.importer.onnx;

import org.ppruning.model.Activation;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * Test helper: BERT's forward pass in plain Java, in double precision, straight from the textbook
 * definition (post-LayerNorm encoder, masked keys excluded from the softmax). It reads weights by
 * {@link BertLayout} name, so agreeing with onnxruntime on the original file shows that the
 * importer put every tensor under the right name and in the right orientation.
 */
final class JavaBertForward {
  private final ModelSpec spec;
  private final Weights w;

  JavaBertForward(ModelSpec spec, Weights w) {
    this.spec = spec;
    this.w = w;
  }

  /** Last hidden state of one sequence, [seqLen * hidden]. */
  double[] run(int[] ids, int[] mask, int[] types) {
    int s = ids.length;
    int d = spec.hiddenSize();
    double[] x = new double[s * d];
    float[] words = w.get(BertLayout.WORD_EMBEDDINGS).data();
    float[] pos = w.get(BertLayout.POSITION_EMBEDDINGS).data();
    float[] tt = w.get(BertLayout.TOKEN_TYPE_EMBEDDINGS).data();
    for (int t = 0; t < s; t++) {
      for (int j = 0; j < d; j++) {
        x[t * d + j] = words[ids[t] * d + j] + pos[t * d + j] + tt[types[t] * d + j];
      }
    }
    x = layerNorm(x, s, BertLayout.EMBEDDINGS_LN);
    for (int i = 0; i < spec.numLayers(); i++) {
      int heads = spec.layers().get(i).heads();
      int dh = spec.headSize();
      double[] q = dense(x, s, BertLayout.query(i));
      double[] k = dense(x, s, BertLayout.key(i));
      double[] v = dense(x, s, BertLayout.value(i));
      int hw = heads * dh;
      double[] ctx = new double[s * hw];
      double[] p = new double[s];
      for (int h = 0; h < heads; h++) {
        for (int a = 0; a < s; a++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int b = 0; b < s; b++) {
            double dot = 0;
            for (int c = 0; c < dh; c++) {
              dot += q[a * hw + h * dh + c] * k[b * hw + h * dh + c];
            }
            p[b] = mask[b] == 0 ? Double.NEGATIVE_INFINITY : dot / Math.sqrt(dh);
            max = Math.max(max, p[b]);
          }
          double sum = 0;
          for (int b = 0; b < s; b++) {
            p[b] = Math.exp(p[b] - max);
            sum += p[b];
          }
          for (int b = 0; b < s; b++) {
            for (int c = 0; c < dh; c++) {
              ctx[a * hw + h * dh + c] += p[b] / sum * v[b * hw + h * dh + c];
            }
          }
        }
      }
      x = layerNorm(add(dense(ctx, s, BertLayout.attentionOutput(i)), x), s,
          BertLayout.attentionLn(i));
      double[] f = dense(x, s, BertLayout.intermediate(i));
      for (int j = 0; j < f.length; j++) {
        f[j] = gelu(f[j], spec.hiddenAct());
      }
      x = layerNorm(add(dense(f, s, BertLayout.output(i)), x), s, BertLayout.outputLn(i));
    }
    return x;
  }

  /** tanh(first token x W + b): the pooler output of one sequence. */
  double[] pool(double[] hidden) {
    double[] first = java.util.Arrays.copyOf(hidden, spec.hiddenSize());
    double[] y = dense(first, 1, BertLayout.POOLER);
    for (int j = 0; j < y.length; j++) {
      y[j] = Math.tanh(y[j]);
    }
    return y;
  }

  private double[] dense(double[] x, int rows, String prefix) {
    FloatTensor k = w.get(prefix + "/kernel"); // [in, out]
    float[] b = w.get(prefix + "/bias").data();
    int in = (int) k.dim(0);
    int out = (int) k.dim(1);
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double acc = b[o];
        for (int i = 0; i < in; i++) {
          acc += x[r * in + i] * k.data()[i * out + o];
        }
        y[r * out + o] = acc;
      }
    }
    return y;
  }

  private double[] layerNorm(double[] x, int rows, String prefix) {
    float[] g = w.get(prefix + "/gamma").data();
    float[] b = w.get(prefix + "/beta").data();
    int d = g.length;
    double[] y = new double[x.length];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int j = 0; j < d; j++) {
        mean += x[r * d + j];
      }
      mean /= d;
      double var = 0;
      for (int j = 0; j < d; j++) {
        var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
      }
      var /= d;
      double inv = 1 / Math.sqrt(var + spec.layerNormEps());
      for (int j = 0; j < d; j++) {
        y[r * d + j] = (x[r * d + j] - mean) * inv * g[j] + b[j];
      }
    }
    return y;
  }

  private static double[] add(double[] a, double[] b) {
    double[] y = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      y[i] = a[i] + b[i];
    }
    return y;
  }

  static double gelu(double x, Activation act) {
    return act == Activation.GELU
        ? 0.5 * x * (1 + erf(x / Math.sqrt(2)))
        : 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  /**
   * erf to ~1e-14: Maclaurin series for |x| < 2.5, continued fraction for erfc beyond (Java has no
   * erf).
   */
  static double erf(double x) {
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
}
