package org.ppruning.importer.onnx;

import java.nio.charset.StandardCharsets;

/**
 * One parsed ONNX {@code AttributeProto}. Only the field its {@code type} names is set; graph and
 * sparse-tensor attributes are recognised by type but not parsed.
 *
 * @param name attribute name
 * @param type the {@code AttributeProto.AttributeType} code (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6
 *     FLOATS, 7 INTS, ...)
 * @param f value of a FLOAT attribute
 * @param i value of an INT attribute
 * @param s value of a STRING attribute (raw bytes)
 * @param t value of a TENSOR attribute
 * @param floats values of a FLOATS attribute
 * @param ints values of an INTS attribute
 */
public record OnnxAttribute(
    String name,
    int type,
    float f,
    long i,
    byte[] s,
    OnnxTensorProto t,
    float[] floats,
    long[] ints) {

  public static final int FLOAT = 1;
  public static final int INT = 2;
  public static final int STRING = 3;
  public static final int TENSOR = 4;
  public static final int GRAPH = 5;
  public static final int FLOATS = 6;
  public static final int INTS = 7;

  /** A STRING attribute as UTF-8 text. */
  public String string() {
    return s == null ? null : new String(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "OnnxAttribute[" + name + " type " + type + "]";
  }
}
