package org.ppruning.importer.onnx;

import java.util.List;

/**
 * A graph input or output ({@code ValueInfoProto}) with its tensor type.
 *
 * @param name the value's name
 * @param elemType the ONNX data type code of its elements (0 if not a tensor or not given)
 * @param dims one entry per axis: the fixed size, or the symbolic name (e.g. {@code batch_size})
 *     for a dynamic axis; empty if the shape is not given
 */
public record OnnxValueInfo(String name, int elemType, List<String> dims) {

  public OnnxValueInfo {
    dims = List.copyOf(dims);
  }

  @Override
  public String toString() {
    return name + " " + OnnxTensorProto.typeName(elemType) + dims;
  }
}
