package org.ppruning.importer.onnx;

import java.util.List;
import java.util.Map;

/**
 * One parsed ONNX {@code NodeProto}. Empty strings in {@code inputs} are omitted optional inputs,
 * as in ONNX.
 *
 * @param name the node name (PyTorch exports scope it, e.g. {@code
 *     /encoder/layer.0/attention/self/query/MatMul}); may be empty
 * @param opType the operator, e.g. {@code MatMul}
 * @param domain the operator set domain; empty for the default ONNX domain
 * @param inputs names of the values the node reads, in order
 * @param outputs names of the values the node writes, in order
 * @param attributes the attributes the reader understands (numbers, strings, tensors), by name
 */
public record OnnxNode(
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    Map<String, OnnxAttribute> attributes) {

  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attributes = Map.copyOf(attributes);
  }

  /** The attribute {@code name}, or null if the node has none of that name. */
  public OnnxAttribute attribute(String attrName) {
    return attributes.get(attrName);
  }

  /** Index of {@code value} among the inputs, or -1. */
  public int inputIndex(String value) {
    return inputs.indexOf(value);
  }

  @Override
  public String toString() {
    return opType + " '" + name + "'";
  }
}
