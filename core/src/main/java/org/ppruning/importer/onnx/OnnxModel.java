package org.ppruning.importer.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} ppruning needs: the main graph's nodes, initializers,
 * inputs and outputs, and the operator sets. Built by {@link OnnxModelReader}; immutable.
 */
public final class OnnxModel {
  private final String where;
  private final long irVersion;
  private final String producer;
  private final Map<String, Long> opsets;
  private final List<OnnxNode> nodes;
  private final Map<String, OnnxTensorProto> initializers;
  private final List<OnnxValueInfo> inputs;
  private final List<OnnxValueInfo> outputs;
  private final Map<String, List<OnnxNode>> consumers;
  private final Map<String, OnnxNode> producers;

  /**
   * @param where the file (or other origin) the model was read from, for messages
   * @param irVersion the ONNX IR version
   * @param producer producer name and version, e.g. {@code pytorch 2.1.0}
   * @param opsets operator set version by domain ({@code ""} is the default ONNX domain)
   * @param nodes the graph's nodes in file (topological) order
   * @param initializers the graph's initializers by name, in file order
   * @param inputs the graph's inputs that are not initializers
   * @param outputs the graph's outputs
   */
  public OnnxModel(
      String where,
      long irVersion,
      String producer,
      Map<String, Long> opsets,
      List<OnnxNode> nodes,
      Map<String, OnnxTensorProto> initializers,
      List<OnnxValueInfo> inputs,
      List<OnnxValueInfo> outputs) {
    this.where = where;
    this.irVersion = irVersion;
    this.producer = producer;
    this.opsets = Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
    this.nodes = List.copyOf(nodes);
    this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    Map<String, List<OnnxNode>> c = new HashMap<>();
    Map<String, OnnxNode> p = new HashMap<>();
    for (OnnxNode n : this.nodes) {
      for (String in : n.inputs()) {
        List<OnnxNode> l = c.computeIfAbsent(in, k -> new ArrayList<>());
        if (l.isEmpty() || l.get(l.size() - 1) != n) { // a node reading a value twice counts once
          l.add(n);
        }
      }
      for (String out : n.outputs()) {
        p.put(out, n);
      }
    }
    c.replaceAll((k, v) -> List.copyOf(v));
    this.consumers = c;
    this.producers = p;
  }

  /** The file (or other origin) the model was read from. */
  public String where() {
    return where;
  }

  public long irVersion() {
    return irVersion;
  }

  /** Producer name and version as the file states them, e.g. {@code pytorch 2.1.0}. */
  public String producer() {
    return producer;
  }

  /** Operator set version by domain ({@code ""} is the default ONNX domain). */
  public Map<String, Long> opsets() {
    return opsets;
  }

  /** The graph's nodes in file (topological) order. */
  public List<OnnxNode> nodes() {
    return nodes;
  }

  /** The graph's initializers by name, in file order. */
  public Map<String, OnnxTensorProto> initializers() {
    return initializers;
  }

  /** The graph's inputs that are not initializers: what a caller feeds. */
  public List<OnnxValueInfo> inputs() {
    return inputs;
  }

  public List<OnnxValueInfo> outputs() {
    return outputs;
  }

  /**
   * The nodes that read {@code value} (an initializer, constant, graph input or node output), in
   * graph order; empty if none does.
   */
  public List<OnnxNode> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /** For every initializer, the nodes that read it (an empty list for an unused initializer). */
  public Map<String, List<OnnxNode>> initializerConsumers() {
    Map<String, List<OnnxNode>> m = new LinkedHashMap<>();
    for (String name : initializers.keySet()) {
      m.put(name, consumers(name));
    }
    return m;
  }

  /** The node that writes {@code value}, or null for initializers and graph inputs. */
  public OnnxNode producerOf(String value) {
    return producers.get(value);
  }

  /**
   * The tensors of the graph's {@code Constant} nodes ({@code value} attribute), keyed and named by
   * the node's output: some exporters store weights this way instead of as initializers.
   */
  public Map<String, OnnxTensorProto> constants() {
    Map<String, OnnxTensorProto> m = new LinkedHashMap<>();
    for (OnnxNode n : nodes) {
      OnnxAttribute value = n.attribute("value");
      if ("Constant".equals(n.opType())
          && n.domain().isEmpty()
          && value != null
          && value.t() != null
          && n.outputs().size() == 1) {
        OnnxTensorProto t = value.t();
        String out = n.outputs().get(0);
        m.put(out, new OnnxTensorProto(out, t.dataType(), t.dims(), t.floats(), t.ints()));
      }
    }
    return m;
  }

  @Override
  public String toString() {
    return "OnnxModel["
        + where
        + ": "
        + nodes.size()
        + " nodes, "
        + initializers.size()
        + " initializers, producer "
        + producer
        + "]";
  }
}
