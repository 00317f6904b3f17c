package org.ppruning.finetuner.serving;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.ServingException;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serve.TensorInputs.IntTensor;
import org.ppruning.serving.tf.DataType;
import org.ppruning.serving.tf.TensorInfo;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tf.TensorShapeProto;
import org.tensorflow.Signature;

/**
 * TensorFlow {@code TensorProto} <-> ppruning tensors. Integer inputs may be DT_INT32 or DT_INT64
 * (values in the typed field or in {@code tensor_content}, little-endian, as TensorFlow writes
 * them); outputs are DT_FLOAT in {@code float_val}.
 */
final class TensorProtos {
  /** More dimensions than this are refused before the shape is read (inputs are rank 2). */
  static final int MAX_RANK = 8;

  private TensorProtos() {}

  /**
   * Decodes an integer input, naming it in every error. The declared shape is checked against
   * {@code limits} and against the values the message holds before anything is allocated for it.
   *
   * @param maxLength the served version's longest sequence
   */
  static IntTensor ints(String name, TensorProto t, ServingLimits limits, int maxLength) {
    DataType type = t.getDtype();
    if (type != DataType.DT_INT32 && type != DataType.DT_INT64) {
      throw invalid(
          "input '"
              + name
              + "' has dtype "
              + type
              + "; expected DT_INT32 (DT_INT64 is accepted too)");
    }
    if (t.getTensorShape().getUnknownRank()) {
      throw invalid("input '" + name + "' has an unknown rank; expected [batch, sequence]");
    }
    if (t.getTensorShape().getDimCount() > MAX_RANK) {
      throw invalid(
          "input '"
              + name
              + "' has rank "
              + t.getTensorShape().getDimCount()
              + "; expected [batch, sequence] (rank 2)");
    }
    long[] shape =
        t.getTensorShape().getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    limits.checkShape(name, shape, maxLength); // the product now fits an int
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    boolean int32 = type == DataType.DT_INT32;
    int width = int32 ? 4 : 8;
    if (!t.getTensorContent().isEmpty()) {
      long bytes = t.getTensorContent().size();
      if (bytes != n * width) {
        throw invalid(
            "input '"
                + name
                + "' has "
                + bytes
                + " bytes of tensor_content;"
                + " shape "
                + Arrays.toString(shape)
                + " of "
                + type
                + " needs "
                + n * width);
      }
    } else {
      int count = int32 ? t.getIntValCount() : t.getInt64ValCount();
      if (count != n) {
        throw invalid(
            "input '"
                + name
                + "' has "
                + count
                + " values in "
                + (int32 ? "int_val" : "int64_val")
                + "; shape "
                + Arrays.toString(shape)
                + " needs "
                + n);
      }
    }
    int[] values = new int[(int) n];
    if (!t.getTensorContent().isEmpty()) {
      ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        values[i] = int32 ? b.getInt() : toInt(name, shape, i, b.getLong());
      }
      return new IntTensor(shape, values);
    }
    for (int i = 0; i < n; i++) {
      values[i] = int32 ? t.getIntVal(i) : toInt(name, shape, i, t.getInt64Val(i));
    }
    return new IntTensor(shape, values);
  }

  private static int toInt(String name, long[] shape, int flat, long v) {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw invalid(
          "input '"
              + name
              + "' value "
              + v
              + " at flat index "
              + flat
              + " does not fit an int32 token id");
    }
    return (int) v;
  }

  /** A DT_FLOAT tensor with its values in float_val. */
  static TensorProto floats(FloatTensor t) {
    TensorProto.Builder b =
        TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(t.shape()));
    for (float x : t.data()) {
      b.addFloatVal(x);
    }
    return b.build();
  }

  static TensorShapeProto shape(long[] dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return s.build();
  }

  /** A signature tensor's name, dtype and shape (unknown rank kept unknown). */
  static TensorInfo info(Signature.TensorDescription d) {
    TensorShapeProto shape =
        d.shape.isUnknown()
            ? TensorShapeProto.newBuilder().setUnknownRank(true).build()
            : shape(d.shape.asArray());
    return TensorInfo.newBuilder()
        .setName(d.name)
        .setDtype(DataType.valueOf(d.dataType.name()))
        .setTensorShape(shape)
        .build();
  }

  private static ServingException invalid(String message) {
    return new ServingException(ServingException.Code.INVALID_ARGUMENT, message);
  }
}
