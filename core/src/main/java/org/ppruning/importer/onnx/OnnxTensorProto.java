package org.ppruning.importer.onnx;

import java.util.Arrays;
import org.ppruning.model.FloatTensor;

/**
 * One parsed ONNX {@code TensorProto}: an initializer or the value of a {@code Constant} node.
 * FLOAT values are decoded to {@code floats}; integer and BOOL values to {@code ints}; other types
 * (FLOAT16, DOUBLE, STRING, ...) keep only their type and shape, and asking for their values fails.
 *
 * @param name the tensor's name (for a Constant node, the node's output name)
 * @param dataType the ONNX {@code TensorProto.DataType} code
 * @param dims the shape, outermost first (empty for a scalar)
 * @param floats the values if {@code dataType} is FLOAT, else null
 * @param ints the values if {@code dataType} is an integer type or BOOL, else null
 */
public record OnnxTensorProto(String name, int dataType, long[] dims, float[] floats, long[] ints) {

  public static final int FLOAT = 1;
  public static final int UINT8 = 2;
  public static final int INT8 = 3;
  public static final int UINT16 = 4;
  public static final int INT16 = 5;
  public static final int INT32 = 6;
  public static final int INT64 = 7;
  public static final int STRING = 8;
  public static final int BOOL = 9;
  public static final int FLOAT16 = 10;
  public static final int DOUBLE = 11;
  public static final int UINT32 = 12;
  public static final int UINT64 = 13;

  private static final String[] TYPE_NAMES = {
    "UNDEFINED",
    "FLOAT",
    "UINT8",
    "INT8",
    "UINT16",
    "INT16",
    "INT32",
    "INT64",
    "STRING",
    "BOOL",
    "FLOAT16",
    "DOUBLE",
    "UINT32",
    "UINT64",
    "COMPLEX64",
    "COMPLEX128",
    "BFLOAT16",
    "FLOAT8E4M3FN",
    "FLOAT8E4M3FNUZ",
    "FLOAT8E5M2",
    "FLOAT8E5M2FNUZ",
    "UINT4",
    "INT4"
  };

  /** The ONNX name of a data type code, e.g. {@code FLOAT} for 1. */
  public static String typeName(int dataType) {
    return dataType >= 0 && dataType < TYPE_NAMES.length
        ? TYPE_NAMES[dataType]
        : "data type " + dataType;
  }

  /** Whether values of this type are decoded into {@code ints}. */
  static boolean isIntegerType(int dataType) {
    return switch (dataType) {
      case UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, UINT32, UINT64 -> true;
      default -> false;
    };
  }

  public String typeName() {
    return typeName(dataType);
  }

  public boolean isFloat() {
    return dataType == FLOAT;
  }

  /** Number of elements: the product of {@code dims} (1 for a scalar). */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  public String shapeString() {
    return Arrays.toString(dims);
  }

  /**
   * The values as a {@link FloatTensor} of the same shape.
   *
   * @throws IllegalStateException if the tensor is not FLOAT
   */
  public FloatTensor toFloatTensor() {
    if (floats == null) {
      throw new IllegalStateException(
          "tensor '" + name + "' " + shapeString() + " is " + typeName() + ", not FLOAT");
    }
    return new FloatTensor(dims.clone(), floats);
  }

  /**
   * The integer values.
   *
   * @throws IllegalStateException if the tensor is not of an integer type or BOOL
   */
  public long[] longs() {
    if (ints == null) {
      throw new IllegalStateException(
          "tensor '" + name + "' " + shapeString() + " is " + typeName() + ", not an integer type");
    }
    return ints;
  }

  @Override
  public String toString() {
    return "OnnxTensorProto[" + name + " " + typeName() + shapeString() + "]";
  }
}
