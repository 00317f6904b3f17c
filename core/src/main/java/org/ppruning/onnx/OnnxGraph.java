package org.ppruning.onnx;

import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.FloatTensor;
import org.ppruning.onnx.proto.AttributeProto;
import org.ppruning.onnx.proto.GraphProto;
import org.ppruning.onnx.proto.NodeProto;
import org.ppruning.onnx.proto.TensorProto;
import org.ppruning.onnx.proto.TensorShapeProto;
import org.ppruning.onnx.proto.TypeProto;
import org.ppruning.onnx.proto.ValueInfoProto;

/**
 * A small builder for an ONNX graph: nodes appended in topological order (each node's output named
 * after its scope and operator), float weights and constants as initializers (each added once), and
 * the graph's typed inputs and outputs. Dimensions are numbers or names ({@code "batch"}).
 */
final class OnnxGraph {
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, String> constants = new HashMap<>();
  private final java.util.Set<String> initializers = new java.util.HashSet<>();
  private int nodes;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  /** Appends {@code op(inputs)} with one output, named {@code scope/op_N}; returns that name. */
  String op(String scope, String op, List<String> inputs, AttributeProto... attributes) {
    String out = scope + "/" + op + "_" + nodes;
    opNamed(out, op, inputs, attributes);
    return out;
  }

  /** Appends {@code op(inputs)} whose one output is {@code output} (a graph output's name). */
  String opNamed(String output, String op, List<String> inputs, AttributeProto... attributes) {
    NodeProto.Builder n =
        NodeProto.newBuilder()
            .setName(op + "_" + nodes++)
            .setOpType(op)
            .addAllInput(inputs)
            .addOutput(output);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return output;
  }

  /** A float tensor (a weight) as an initializer of that name, added on first use. */
  String weight(String name, FloatTensor t) {
    if (initializers.add(name)) {
      ByteBuffer b = ByteBuffer.allocate(t.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(t.data());
      TensorProto.Builder p =
          TensorProto.newBuilder()
              .setName(name)
              .setDataType(TensorProto.DataType.FLOAT_VALUE)
              .setRawData(UnsafeByteOperations.unsafeWrap(b.array()));
      for (long d : t.shape()) {
        p.addDims(d);
      }
      graph.addInitializer(p);
    }
    return name;
  }

  /** A float scalar constant. */
  String scalar(float v) {
    return constants.computeIfAbsent(
        "f:" + Float.floatToIntBits(v),
        k -> {
          String name = "const/float_" + constants.size();
          weight(name, new FloatTensor(new long[0], new float[] {v}));
          return name;
        });
  }

  /** An int64 constant: a scalar if {@code scalar}, else a 1-D tensor of the values. */
  String int64(boolean scalar, long... values) {
    String key = "i" + (scalar ? "s:" : "v:") + java.util.Arrays.toString(values);
    return constants.computeIfAbsent(
        key,
        k -> {
          String name = "const/int64_" + constants.size();
          TensorProto.Builder p =
              TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
          for (long v : values) {
            p.addInt64Data(v);
          }
          if (!scalar) {
            p.addDims(values.length);
          }
          initializers.add(name);
          graph.addInitializer(p);
          return name;
        });
  }

  /** A graph input: element type (a {@link TensorProto.DataType}) and dims (Long or String). */
  void input(String name, TensorProto.DataType type, Object... dims) {
    graph.addInput(valueInfo(name, type, dims));
  }

  /** A graph output, as {@link #input}. */
  void output(String name, TensorProto.DataType type, Object... dims) {
    graph.addOutput(valueInfo(name, type, dims));
  }

  GraphProto build() {
    return graph.build();
  }

  static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  static AttributeProto intsAttr(String name, long... v) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      var dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String s) {
        dim.setDimParam(s);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }
}
