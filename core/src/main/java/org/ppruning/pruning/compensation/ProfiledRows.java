package org.ppruning.pruning.compensation;

import java.util.List;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;

/**
 * Calibration rows profiled beforehand, as the streaming profiler's summaries carry them: per
 * token, the original model's input of every layer's attention output projection and of its FFN
 * second matrix (one summary token row: per layer, heads x head_size context values, then the
 * neurons' activations). The streaming pruner compensates on these with fit {@code original}: it
 * has the activations but no token ids, so it cannot run the pruned-so-far model.
 *
 * @param rows the token rows, in a fixed order (the summary state's key order)
 * @param spec the model the rows were profiled on (its layer widths give the row layout)
 */
public record ProfiledRows(List<float[]> rows, ModelSpec spec) {
  /** Rows per tensor handed to the regression at once (bounds the copy, not the result). */
  static final int SLICE = 512;

  public ProfiledRows {
    rows = List.copyOf(rows);
    int want = 0;
    for (int l = 0; l < spec.numLayers(); l++) {
      want += spec.layers().get(l).heads() * spec.headSize() + spec.layers().get(l).ffn();
    }
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).length != want) {
        throw new IllegalArgumentException(
            "profiled row "
                + i
                + " has "
                + rows.get(i).length
                + " values, the model '"
                + spec.source()
                + "' has "
                + want
                + " per token (heads x head size and neurons of every layer)");
      }
    }
  }

  /** Number of rows (regression rows). */
  public int size() {
    return rows.size();
  }

  /**
   * Rows [from, to) of one layer's projection input.
   *
   * @param heads the attention output projection's input (context); else the FFN activations
   * @return [to - from, width]
   */
  FloatTensor slice(int layer, boolean heads, int from, int to) {
    int at = 0;
    for (int l = 0; l < layer; l++) {
      at += spec.layers().get(l).heads() * spec.headSize() + spec.layers().get(l).ffn();
    }
    int ctx = spec.layers().get(layer).heads() * spec.headSize();
    int width = heads ? ctx : spec.layers().get(layer).ffn();
    int start = heads ? at : at + ctx;
    float[] out = new float[(to - from) * width];
    for (int r = from; r < to; r++) {
      System.arraycopy(rows.get(r), start, out, (r - from) * width, width);
    }
    return new FloatTensor(new long[] {to - from, width}, out);
  }
}
