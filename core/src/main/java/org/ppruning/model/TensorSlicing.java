package org.ppruning.model;

/** The one tensor-surgery routine unit removal needs: keep some unit slices along one axis. */
public final class TensorSlicing {
  private TensorSlicing() {}

  /**
   * Keeps the given units along {@code axis} of a 1-D or 2-D tensor.
   *
   * @param t tensor whose {@code axis} holds {@code blocks} blocks of units, each unit {@code
   *     width} values wide
   * @param units unit indices to keep (within one block), ascending
   * @return a new tensor with {@code blocks * units.length * width} values along {@code axis}
   */
  public static FloatTensor keepUnits(FloatTensor t, int axis, int blocks, int width, int[] units) {
    if (t.rank() != 1 && t.rank() != 2) {
      throw new IllegalArgumentException(
          "can only slice 1-D or 2-D tensors, got " + t.shapeString());
    }
    if (axis < 0 || axis >= t.rank()) {
      throw new IllegalArgumentException("axis " + axis + " outside tensor " + t.shapeString());
    }
    long along = t.dim(axis);
    if (along % ((long) blocks * width) != 0) {
      throw new IllegalArgumentException(
          "axis "
              + axis
              + " of "
              + t.shapeString()
              + " is not "
              + blocks
              + " blocks of units "
              + width
              + " wide");
    }
    int perBlock = (int) (along / blocks / width);
    for (int u : units) {
      if (u < 0 || u >= perBlock) {
        throw new IllegalArgumentException("unit " + u + " outside 0.." + (perBlock - 1));
      }
    }
    // Source offsets along the axis that survive, in order.
    int keptLen = blocks * units.length * width;
    int[] src = new int[keptLen];
    int n = 0;
    for (int b = 0; b < blocks; b++) {
      for (int u : units) {
        for (int j = 0; j < width; j++) {
          src[n++] = (b * perBlock + u) * width + j;
        }
      }
    }
    if (t.rank() == 1) {
      float[] out = new float[keptLen];
      for (int i = 0; i < keptLen; i++) {
        out[i] = t.data()[src[i]];
      }
      return new FloatTensor(new long[] {keptLen}, out);
    }
    int rows = (int) t.dim(0);
    int cols = (int) t.dim(1);
    if (axis == 0) {
      float[] out = new float[keptLen * cols];
      for (int i = 0; i < keptLen; i++) {
        System.arraycopy(t.data(), src[i] * cols, out, i * cols, cols);
      }
      return new FloatTensor(new long[] {keptLen, cols}, out);
    }
    float[] out = new float[rows * keptLen];
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      int ob = r * keptLen;
      for (int i = 0; i < keptLen; i++) {
        out[ob + i] = t.data()[base + src[i]];
      }
    }
    return new FloatTensor(new long[] {rows, keptLen}, out);
  }
}
