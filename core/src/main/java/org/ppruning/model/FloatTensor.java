package org.ppruning.model;

import java.util.Arrays;

/**
 * A dense row-major float tensor held on the Java heap: the unit in which weights are imported,
 * sliced and written. Immutable by convention: code that changes values makes a copy.
 *
 * @param shape dimensions, outermost first
 * @param data values in row-major order; its length is the product of {@code shape}
 */
public record FloatTensor(long[] shape, float[] data) {

  public FloatTensor {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
    }
  }

  public static FloatTensor zeros(long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return new FloatTensor(shape.clone(), new float[Math.toIntExact(n)]);
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  /** Number of values. */
  public int size() {
    return data.length;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  /** The 2-D transpose: [r, c] becomes [c, r]. */
  public FloatTensor transpose2d() {
    if (rank() != 2) {
      throw new IllegalStateException("transpose2d needs a 2-D tensor, got shape " + shapeString());
    }
    int r = (int) shape[0];
    int c = (int) shape[1];
    float[] out = new float[data.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        out[j * r + i] = data[i * c + j];
      }
    }
    return new FloatTensor(new long[] {c, r}, out);
  }

  /** The same values viewed under another shape with the same number of values. */
  public FloatTensor reshape(long... newShape) {
    return new FloatTensor(newShape.clone(), data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatTensor" + shapeString();
  }
}
