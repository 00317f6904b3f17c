package org.ppruning.graph;

import org.ppruning.model.FloatTensor;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Copies between Java arrays and TF tensors through raw buffers: the element-wise NdArray paths are
 * 25-100x slower (see docs/architecture.md).
 */
public final class Tensors {
  private Tensors() {}

  public static TFloat32 of(FloatTensor t) {
    return TFloat32.tensorOf(Shape.of(t.shape()), DataBuffers.of(t.data(), true, false));
  }

  public static TInt32 ints(int[] data, long... shape) {
    return TInt32.tensorOf(Shape.of(shape), DataBuffers.of(data, true, false));
  }

  /** Copies a float tensor out (call before the owning Result is closed). */
  public static FloatTensor copy(Tensor t) {
    if (!(t instanceof TFloat32 f)) {
      throw new IllegalArgumentException("expected a float32 tensor, got " + t.dataType());
    }
    float[] data = new float[Math.toIntExact(f.shape().size())];
    f.asRawTensor().data().asFloats().read(data);
    return new FloatTensor(f.shape().asArray(), data);
  }
}
