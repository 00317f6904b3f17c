package org.ppruning.importer.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Test helper: writes protobuf messages field by field with {@link CodedOutputStream}, plus the
 * ONNX messages the tests need (field numbers of onnx/onnx.proto). Independent of the reader: it
 * shares no code with {@link OnnxModelReader}.
 */
final class OnnxProto {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  OnnxProto varint(int field, long v) {
    return write(() -> out.writeInt64(field, v));
  }

  OnnxProto str(int field, String s) {
    return write(() -> out.writeString(field, s));
  }

  OnnxProto fixed32(int field, float f) {
    return write(() -> out.writeFloat(field, f));
  }

  OnnxProto bytes(int field, byte[] b) {
    return write(() -> out.writeByteArray(field, b));
  }

  /** A packed repeated varint field (how proto3 writers encode {@code repeated int64}). */
  OnnxProto packedVarints(int field, long... values) {
    OnnxProto payload = new OnnxProto();
    for (long v : values) {
      payload.write(() -> payload.out.writeInt64NoTag(v));
    }
    return bytes(field, payload.toBytes());
  }

  OnnxProto msg(int field, OnnxProto m) {
    return bytes(field, m.toBytes());
  }

  byte[] toBytes() {
    write(out::flush);
    return bytes.toByteArray();
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private OnnxProto write(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  // ---- ONNX messages ----

  /** A FLOAT TensorProto with little-endian raw_data. */
  static OnnxProto floatTensor(String name, long[] dims, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    OnnxProto t = dims(dims).varint(2, OnnxTensorProto.FLOAT).str(8, name);
    return t.bytes(9, b.array());
  }

  /** A FLOAT TensorProto with its values in (unpacked) float_data. */
  static OnnxProto floatTensorTyped(String name, long[] dims, float[] values) {
    OnnxProto t = dims(dims).varint(2, OnnxTensorProto.FLOAT).str(8, name);
    for (float v : values) {
      t.fixed32(4, v);
    }
    return t;
  }

  /** An INT64 TensorProto with its values in (unpacked) int64_data. */
  static OnnxProto int64Tensor(String name, long[] dims, long[] values) {
    OnnxProto t = dims(dims).varint(2, OnnxTensorProto.INT64).str(8, name);
    for (long v : values) {
      t.varint(7, v);
    }
    return t;
  }

  private static OnnxProto dims(long[] dims) {
    OnnxProto t = new OnnxProto();
    for (long d : dims) {
      t.varint(1, d);
    }
    return t;
  }

  static OnnxProto node(
      String name, String op, String[] inputs, String[] outputs, OnnxProto... attributes) {
    OnnxProto n = new OnnxProto();
    for (String in : inputs) {
      n.str(1, in);
    }
    for (String o : outputs) {
      n.str(2, o);
    }
    n.str(3, name).str(4, op);
    for (OnnxProto a : attributes) {
      n.msg(5, a);
    }
    return n;
  }

  static OnnxProto attrInt(String name, long v) {
    return new OnnxProto().str(1, name).varint(3, v).varint(20, OnnxAttribute.INT);
  }

  static OnnxProto attrFloat(String name, float v) {
    return new OnnxProto().str(1, name).fixed32(2, v).varint(20, OnnxAttribute.FLOAT);
  }

  static OnnxProto attrInts(String name, long... v) {
    OnnxProto a = new OnnxProto().str(1, name);
    for (long x : v) {
      a.varint(8, x);
    }
    return a.varint(20, OnnxAttribute.INTS);
  }

  static OnnxProto attrTensor(String name, OnnxProto tensor) {
    return new OnnxProto().str(1, name).msg(5, tensor).varint(20, OnnxAttribute.TENSOR);
  }

  /** A ValueInfoProto of a tensor; each dim is a number or a symbolic name. */
  static OnnxProto valueInfo(String name, int elemType, String... dims) {
    OnnxProto shape = new OnnxProto();
    for (String d : dims) {
      OnnxProto dim =
          d.chars().allMatch(Character::isDigit)
              ? new OnnxProto().varint(1, Long.parseLong(d))
              : new OnnxProto().str(2, d);
      shape.msg(1, dim);
    }
    OnnxProto tensorType = new OnnxProto().varint(1, elemType).msg(2, shape);
    return new OnnxProto().str(1, name).msg(2, new OnnxProto().msg(1, tensorType));
  }

  /** A ModelProto in the field order PyTorch writes: ir_version, producer, graph, opset. */
  static byte[] model(OnnxProto graph, long opset) {
    return new OnnxProto()
        .varint(1, 6)
        .str(2, "ppruning-test")
        .str(3, "1")
        .msg(7, graph)
        .msg(8, new OnnxProto().str(1, "").varint(2, opset))
        .toBytes();
  }

  /** A ModelProto with opset_import before the graph (field order is free in protobuf). */
  static byte[] modelOpsetFirst(OnnxProto graph, long opset) {
    return new OnnxProto()
        .varint(1, 6)
        .msg(8, new OnnxProto().str(1, "").varint(2, opset))
        .msg(7, graph)
        .toBytes();
  }
}
