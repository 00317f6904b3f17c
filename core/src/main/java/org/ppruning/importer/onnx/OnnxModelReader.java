package org.ppruning.importer.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an ONNX {@code ModelProto} with protobuf's {@link CodedInputStream}, without generated
 * ONNX classes. Field numbers are those of {@code onnx/onnx.proto}. Reads the main graph's nodes
 * (with their number, string and tensor attributes), initializers, inputs and outputs; skips
 * everything else (doc strings, value_info, functions, training info).
 *
 * <p>Refused with an {@link IllegalArgumentException} naming the file and the tensor: truncated or
 * non-ONNX input, tensors whose data lives in external files, segmented and sparse tensors, and
 * tensors whose data does not fill their shape. Raw tensor data is little-endian, as ONNX
 * specifies. Subgraph attributes (If/Loop bodies) are not parsed.
 *
 * <pre>{@code
 * OnnxModel m = OnnxModelReader.read(Path.of("all-minilm-l6-v2.onnx"));
 * m.initializers().get("embeddings.word_embeddings.weight").toFloatTensor(); // [30522, 384]
 * }</pre>
 */
public final class OnnxModelReader {

  // ModelProto
  private static final int MODEL_IR_VERSION = 1;
  private static final int MODEL_PRODUCER_NAME = 2;
  private static final int MODEL_PRODUCER_VERSION = 3;
  private static final int MODEL_GRAPH = 7;
  private static final int MODEL_OPSET_IMPORT = 8;
  // OperatorSetIdProto
  private static final int OPSET_DOMAIN = 1;
  private static final int OPSET_VERSION = 2;
  // GraphProto
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;
  private static final int GRAPH_SPARSE_INITIALIZER = 15;
  // NodeProto
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int NODE_ATTRIBUTE = 5;
  private static final int NODE_DOMAIN = 7;
  // AttributeProto
  private static final int ATTR_NAME = 1;
  private static final int ATTR_F = 2;
  private static final int ATTR_I = 3;
  private static final int ATTR_S = 4;
  private static final int ATTR_T = 5;
  private static final int ATTR_FLOATS = 7;
  private static final int ATTR_INTS = 8;
  private static final int ATTR_TYPE = 20;
  // TensorProto
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_SEGMENT = 3;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_INT32_DATA = 5;
  private static final int TENSOR_STRING_DATA = 6;
  private static final int TENSOR_INT64_DATA = 7;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_DOUBLE_DATA = 10;
  private static final int TENSOR_UINT64_DATA = 11;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int DATA_LOCATION_EXTERNAL = 1;
  // StringStringEntryProto
  private static final int ENTRY_KEY = 1;
  private static final int ENTRY_VALUE = 2;
  // ValueInfoProto -> TypeProto -> TypeProto.Tensor -> TensorShapeProto -> Dimension
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR_TYPE = 1;
  private static final int TENSOR_TYPE_ELEM_TYPE = 1;
  private static final int TENSOR_TYPE_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;
  private static final int DIM_PARAM = 2;

  private final CodedInputStream in;
  private final String where;
  private final int size;

  private OnnxModelReader(byte[] bytes, String where) {
    this.in = CodedInputStream.newInstance(bytes);
    // Aliasing lets readByteBuffer() return views of `bytes`: raw tensor data is decoded straight
    // from the file's bytes instead of being copied first.
    this.in.enableAliasing(true);
    this.where = where;
    this.size = bytes.length;
  }

  /**
   * Reads an ONNX model file.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a complete ONNX model or holds data this reader
   *     refuses (see the class comment); the message names the file
   */
  public static OnnxModel read(Path file) throws IOException {
    long n = Files.size(file);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          file
              + " has "
              + n
              + " bytes; an ONNX protobuf holds at most 2 GiB (larger models use external data,"
              + " which is not supported)");
    }
    return read(Files.readAllBytes(file), file.toString());
  }

  /** Reads an ONNX model from a stream (e.g. a jar entry); {@code where} names it in errors. */
  public static OnnxModel read(InputStream stream, String where) throws IOException {
    return read(stream.readAllBytes(), where);
  }

  /** Reads an ONNX model from its serialized bytes; {@code where} names it in errors. */
  public static OnnxModel read(byte[] bytes, String where) {
    OnnxModelReader r = new OnnxModelReader(bytes, where);
    try {
      return r.model();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          where
              + " is not a complete ONNX model (byte "
              + r.in.getTotalBytesRead()
              + " of "
              + bytes.length
              + "): "
              + e.getMessage(),
          e);
    } catch (IOException e) {
      // A CodedInputStream over a byte array does no I/O; anything else is a decoding error.
      throw new IllegalArgumentException(where + ": cannot decode ONNX model: " + e, e);
    }
  }

  private OnnxModel model() throws IOException {
    if (size == 0) {
      throw new IllegalArgumentException(where + " is empty, not an ONNX model");
    }
    long irVersion = 0;
    String producerName = "";
    String producerVersion = "";
    Map<String, Long> opsets = new LinkedHashMap<>();
    Graph graph = null;
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case MODEL_IR_VERSION -> irVersion = varint(tag, "ModelProto.ir_version");
        case MODEL_PRODUCER_NAME -> producerName = string(tag, "ModelProto.producer_name");
        case MODEL_PRODUCER_VERSION -> producerVersion = string(tag, "ModelProto.producer_version");
        case MODEL_OPSET_IMPORT -> {
          int limit = enter(tag, "ModelProto.opset_import");
          String domain = "";
          long version = 0;
          for (int t; (t = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case OPSET_DOMAIN -> domain = string(t, "OperatorSetIdProto.domain");
              case OPSET_VERSION -> version = varint(t, "OperatorSetIdProto.version");
              default -> in.skipField(t);
            }
          }
          leave(limit);
          opsets.put(domain, version);
        }
        case MODEL_GRAPH -> {
          if (graph != null) {
            throw new IllegalArgumentException(
                where + " holds two graphs (ModelProto.graph twice)");
          }
          int limit = enter(tag, "ModelProto.graph");
          graph = graph();
          leave(limit);
        }
        default -> in.skipField(tag);
      }
    }
    if (graph == null) {
      throw new IllegalArgumentException(
          where
              + " has no graph (ModelProto.graph): not an ONNX"
              + " model, or truncated before its graph");
    }
    // Every valid model imports an operator set, and exporters write opset_import after the
    // graph: its absence catches a file cut off right after the graph.
    if (opsets.isEmpty()) {
      throw new IllegalArgumentException(
          where + " has no opset_import: truncated or not a valid" + " ONNX model");
    }
    List<OnnxValueInfo> inputs = new ArrayList<>();
    for (OnnxValueInfo v : graph.inputs) {
      if (!graph.initializers.containsKey(v.name())) { // old IR versions list initializers too
        inputs.add(v);
      }
    }
    String producer = (producerName + " " + producerVersion).trim();
    return new OnnxModel(
        where, irVersion, producer, opsets, graph.nodes, graph.initializers, inputs, graph.outputs);
  }

  private static final class Graph {
    final List<OnnxNode> nodes = new ArrayList<>();
    final Map<String, OnnxTensorProto> initializers = new LinkedHashMap<>();
    final List<OnnxValueInfo> inputs = new ArrayList<>();
    final List<OnnxValueInfo> outputs = new ArrayList<>();
  }

  private Graph graph() throws IOException {
    Graph g = new Graph();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case GRAPH_NODE -> {
          int limit = enter(tag, "GraphProto.node");
          g.nodes.add(node());
          leave(limit);
        }
        case GRAPH_INITIALIZER -> {
          int limit = enter(tag, "GraphProto.initializer");
          OnnxTensorProto t = tensor("initializer");
          leave(limit);
          if (t.name().isEmpty()) {
            throw new IllegalArgumentException(
                where
                    + ": initializer #"
                    + (g.initializers.size() + 1)
                    + " "
                    + t.shapeString()
                    + " has no name");
          }
          if (g.initializers.put(t.name(), t) != null) {
            throw new IllegalArgumentException(
                where + ": initializer '" + t.name() + "' appears twice");
          }
        }
        case GRAPH_SPARSE_INITIALIZER ->
            throw new IllegalArgumentException(
                where + ": the graph has sparse initializers, which are not supported");
        case GRAPH_INPUT -> {
          int limit = enter(tag, "GraphProto.input");
          g.inputs.add(valueInfo());
          leave(limit);
        }
        case GRAPH_OUTPUT -> {
          int limit = enter(tag, "GraphProto.output");
          g.outputs.add(valueInfo());
          leave(limit);
        }
        default -> in.skipField(tag);
      }
    }
    return g;
  }

  private OnnxNode node() throws IOException {
    String name = "";
    String opType = "";
    String domain = "";
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    Map<String, OnnxAttribute> attributes = new HashMap<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case NODE_INPUT -> inputs.add(string(tag, "NodeProto.input"));
        case NODE_OUTPUT -> outputs.add(string(tag, "NodeProto.output"));
        case NODE_NAME -> name = string(tag, "NodeProto.name");
        case NODE_OP_TYPE -> opType = string(tag, "NodeProto.op_type");
        case NODE_DOMAIN -> domain = string(tag, "NodeProto.domain");
        case NODE_ATTRIBUTE -> {
          int limit = enter(tag, "NodeProto.attribute");
          OnnxAttribute a = attribute(name);
          leave(limit);
          attributes.put(a.name(), a);
        }
        default -> in.skipField(tag);
      }
    }
    if (opType.isEmpty()) {
      throw new IllegalArgumentException(where + ": node '" + name + "' has no op_type");
    }
    return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
  }

  private OnnxAttribute attribute(String nodeName) throws IOException {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    byte[] s = null;
    OnnxTensorProto t = null;
    FloatList floats = new FloatList();
    LongList ints = new LongList();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case ATTR_NAME -> name = string(tag, "AttributeProto.name");
        case ATTR_TYPE -> type = (int) varint(tag, "AttributeProto.type");
        case ATTR_F -> {
          expectWire(tag, WireFormat.WIRETYPE_FIXED32, "AttributeProto.f");
          f = in.readFloat();
        }
        case ATTR_I -> i = varint(tag, "AttributeProto.i");
        case ATTR_S -> {
          expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "AttributeProto.s");
          s = in.readByteArray();
        }
        case ATTR_T -> {
          int limit = enter(tag, "AttributeProto.t");
          t = tensor("tensor attribute of node '" + nodeName + "'");
          leave(limit);
        }
        case ATTR_FLOATS -> floats(tag, floats, "AttributeProto.floats");
        case ATTR_INTS -> varints(tag, ints, "AttributeProto.ints");
        default -> in.skipField(tag);
      }
    }
    return new OnnxAttribute(
        name,
        type,
        f,
        i,
        s,
        t,
        type == OnnxAttribute.FLOATS ? floats.toArray() : null,
        type == OnnxAttribute.INTS ? ints.toArray() : null);
  }

  /** Parses a TensorProto; {@code role} (initializer, tensor attribute ...) names it in errors. */
  private OnnxTensorProto tensor(String role) throws IOException {
    LongList dims = new LongList();
    int dataType = 0;
    String name = "";
    ByteBuffer raw = null;
    FloatList floatData = new FloatList();
    LongList int32Data = new LongList();
    LongList int64Data = new LongList();
    LongList uint64Data = new LongList();
    int otherData = 0; // string_data / double_data entries: counted, never decoded
    long dataLocation = 0;
    List<String> external = new ArrayList<>();
    boolean segmented = false;
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case TENSOR_DIMS -> varints(tag, dims, "TensorProto.dims");
        case TENSOR_DATA_TYPE -> dataType = (int) varint(tag, "TensorProto.data_type");
        case TENSOR_NAME -> name = string(tag, "TensorProto.name");
        case TENSOR_SEGMENT -> {
          segmented = true;
          in.skipField(tag);
        }
        case TENSOR_RAW_DATA -> {
          expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TensorProto.raw_data");
          raw = in.readByteBuffer();
        }
        case TENSOR_FLOAT_DATA -> floats(tag, floatData, "TensorProto.float_data");
        case TENSOR_INT32_DATA -> varints(tag, int32Data, "TensorProto.int32_data");
        case TENSOR_INT64_DATA -> varints(tag, int64Data, "TensorProto.int64_data");
        case TENSOR_UINT64_DATA -> varints(tag, uint64Data, "TensorProto.uint64_data");
        case TENSOR_STRING_DATA, TENSOR_DOUBLE_DATA -> {
          otherData++;
          in.skipField(tag);
        }
        case TENSOR_DATA_LOCATION -> dataLocation = varint(tag, "TensorProto.data_location");
        case TENSOR_EXTERNAL_DATA -> {
          int limit = enter(tag, "TensorProto.external_data");
          String key = "";
          String value = "";
          for (int t; (t = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case ENTRY_KEY -> key = string(t, "StringStringEntryProto.key");
              case ENTRY_VALUE -> value = string(t, "StringStringEntryProto.value");
              default -> in.skipField(t);
            }
          }
          leave(limit);
          external.add(key + "=" + value);
        }
        default -> in.skipField(tag);
      }
    }
    long[] shape = dims.toArray();
    String what =
        where
            + ": "
            + role
            + " '"
            + name
            + "' "
            + OnnxTensorProto.typeName(dataType)
            + Arrays.toString(shape);
    if (dataLocation == DATA_LOCATION_EXTERNAL || !external.isEmpty()) {
      throw new IllegalArgumentException(
          what
              + " keeps its data in an external file "
              + external
              + "; external data is not supported: save the model with its weights inside the file");
    }
    if (segmented) {
      throw new IllegalArgumentException(
          what + " is a segment of a larger tensor; segmented" + " tensors are not supported");
    }
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(what + " has a negative dimension");
      }
      count = Math.multiplyExact(count, d);
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(what + " has " + count + " elements, too many for Java");
    }
    int n = (int) count;
    float[] floats = null;
    long[] ints = null;
    if (dataType == OnnxTensorProto.FLOAT) {
      if (raw != null) {
        checkRaw(what, raw, n, 4, floatData.size + int32Data.size + int64Data.size);
        floats = new float[n];
        raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
      } else {
        floats = floatData.toArray();
        checkCount(what, "float_data", floats.length, n);
      }
    } else if (OnnxTensorProto.isIntegerType(dataType)) {
      int width =
          switch (dataType) {
            case OnnxTensorProto.INT64, OnnxTensorProto.UINT64 -> 8;
            case OnnxTensorProto.INT32, OnnxTensorProto.UINT32 -> 4;
            case OnnxTensorProto.INT16, OnnxTensorProto.UINT16 -> 2;
            default -> 1;
          };
      if (raw != null) {
        checkRaw(what, raw, n, width, floatData.size + int32Data.size + int64Data.size);
        ints = decodeInts(raw.order(ByteOrder.LITTLE_ENDIAN), n, dataType);
      } else {
        // onnx.proto: INT64 in int64_data, UINT32/UINT64 in uint64_data, the rest in int32_data.
        LongList src =
            switch (dataType) {
              case OnnxTensorProto.INT64 -> int64Data;
              case OnnxTensorProto.UINT32, OnnxTensorProto.UINT64 -> uint64Data;
              default -> int32Data;
            };
        ints = src.toArray();
        checkCount(what, "typed data", ints.length, n);
      }
    } else if (dataType == 0) {
      throw new IllegalArgumentException(what + " has no data_type");
    } else if (raw == null && otherData == 0 && int32Data.size == 0 && n > 0) {
      // Types we do not decode (FLOAT16, DOUBLE, STRING ...) must still carry data.
      throw new IllegalArgumentException(what + " has no data");
    }
    return new OnnxTensorProto(name, dataType, shape, floats, ints);
  }

  private static void checkRaw(String what, ByteBuffer raw, int n, int width, int typedCount) {
    if (typedCount > 0) {
      throw new IllegalArgumentException(what + " has both raw_data and typed data fields");
    }
    if (raw.remaining() != (long) n * width) {
      throw new IllegalArgumentException(
          what
              + " has "
              + raw.remaining()
              + " bytes of raw_data,"
              + " its shape needs "
              + n
              + " x "
              + width
              + " = "
              + ((long) n * width));
    }
  }

  private static void checkCount(String what, String field, int got, int n) {
    if (got != n) {
      throw new IllegalArgumentException(
          what
              + (got == 0 ? " has no data" : " has " + got + " values in " + field)
              + ", its shape needs "
              + n);
    }
  }

  private static long[] decodeInts(ByteBuffer b, int n, int dataType) {
    long[] out = new long[n];
    for (int k = 0; k < n; k++) {
      out[k] =
          switch (dataType) {
            case OnnxTensorProto.INT64, OnnxTensorProto.UINT64 -> b.getLong();
            case OnnxTensorProto.INT32 -> b.getInt();
            case OnnxTensorProto.UINT32 -> Integer.toUnsignedLong(b.getInt());
            case OnnxTensorProto.INT16 -> b.getShort();
            case OnnxTensorProto.UINT16 -> Short.toUnsignedInt(b.getShort());
            case OnnxTensorProto.INT8 -> b.get();
            default -> Byte.toUnsignedInt(b.get()); // UINT8, BOOL
          };
    }
    return out;
  }

  private OnnxValueInfo valueInfo() throws IOException {
    String name = "";
    int elemType = 0;
    List<String> dims = new ArrayList<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case VALUE_INFO_NAME -> name = string(tag, "ValueInfoProto.name");
        case VALUE_INFO_TYPE -> {
          int typeLimit = enter(tag, "ValueInfoProto.type");
          for (int t; (t = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(t) != TYPE_TENSOR_TYPE) {
              in.skipField(t); // sequence/map/optional types: no tensor type to report
              continue;
            }
            int tensorLimit = enter(t, "TypeProto.tensor_type");
            for (int u; (u = in.readTag()) != 0; ) {
              switch (WireFormat.getTagFieldNumber(u)) {
                case TENSOR_TYPE_ELEM_TYPE ->
                    elemType = (int) varint(u, "TypeProto.Tensor.elem_type");
                case TENSOR_TYPE_SHAPE -> {
                  int shapeLimit = enter(u, "TypeProto.Tensor.shape");
                  for (int v; (v = in.readTag()) != 0; ) {
                    if (WireFormat.getTagFieldNumber(v) != SHAPE_DIM) {
                      in.skipField(v);
                      continue;
                    }
                    int dimLimit = enter(v, "TensorShapeProto.dim");
                    String dim = "?"; // neither value nor parameter: unknown size
                    for (int w; (w = in.readTag()) != 0; ) {
                      switch (WireFormat.getTagFieldNumber(w)) {
                        case DIM_VALUE -> dim = Long.toString(varint(w, "Dimension.dim_value"));
                        case DIM_PARAM -> dim = string(w, "Dimension.dim_param");
                        default -> in.skipField(w);
                      }
                    }
                    leave(dimLimit);
                    dims.add(dim);
                  }
                  leave(shapeLimit);
                }
                default -> in.skipField(u);
              }
            }
            leave(tensorLimit);
          }
          leave(typeLimit);
        }
        default -> in.skipField(tag);
      }
    }
    return new OnnxValueInfo(name, elemType, dims);
  }

  // ---- wire-level helpers ----

  /**
   * Enters an embedded message: returns the previous limit for {@link #leave}. A length beyond the
   * end of the input means the file was cut off; protobuf would refuse it too, but this message
   * names the field.
   */
  private int enter(int tag, String field) throws IOException {
    expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    int length = in.readRawVarint32();
    if (length < 0 || length > size - in.getTotalBytesRead()) {
      throw new IllegalArgumentException(
          where
              + " is truncated or corrupt: "
              + field
              + " at byte "
              + in.getTotalBytesRead()
              + " claims "
              + length
              + " bytes, the file has "
              + (size - in.getTotalBytesRead())
              + " left");
    }
    return in.pushLimit(length);
  }

  /** Leaves an embedded message whose fields were read until readTag() returned 0 at its limit. */
  private void leave(int oldLimit) {
    in.popLimit(oldLimit);
  }

  private void expectWire(int tag, int wireType, String field) {
    if (WireFormat.getTagWireType(tag) != wireType) {
      throw new IllegalArgumentException(
          where
              + ": "
              + field
              + " at byte "
              + in.getTotalBytesRead()
              + " has protobuf wire type "
              + WireFormat.getTagWireType(tag)
              + ", expected "
              + wireType
              + ": not an ONNX model, or corrupt");
    }
  }

  private long varint(int tag, String field) throws IOException {
    expectWire(tag, WireFormat.WIRETYPE_VARINT, field);
    return in.readInt64();
  }

  private String string(int tag, String field) throws IOException {
    expectWire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    return in.readStringRequireUtf8();
  }

  /** A repeated varint field, packed (proto3 writers) or one value per tag (proto2 default). */
  private void varints(int tag, LongList out, String field) throws IOException {
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int limit = enter(tag, field);
      while (in.getBytesUntilLimit() > 0) {
        out.add(in.readInt64());
      }
      leave(limit);
    } else {
      out.add(varint(tag, field));
    }
  }

  /** A repeated float field, packed or one value per tag. */
  private void floats(int tag, FloatList out, String field) throws IOException {
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int limit = enter(tag, field);
      if (in.getBytesUntilLimit() % 4 != 0) {
        throw new IllegalArgumentException(
            where
                + ": packed "
                + field
                + " at byte "
                + in.getTotalBytesRead()
                + " has "
                + in.getBytesUntilLimit()
                + " bytes, not a multiple of 4");
      }
      while (in.getBytesUntilLimit() > 0) {
        out.add(in.readFloat());
      }
      leave(limit);
    } else {
      expectWire(tag, WireFormat.WIRETYPE_FIXED32, field);
      out.add(in.readFloat());
    }
  }

  private static final class LongList {
    long[] a = new long[8];
    int size;

    void add(long v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(a, size);
    }
  }

  private static final class FloatList {
    float[] a = new float[8];
    int size;

    void add(float v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    float[] toArray() {
      return Arrays.copyOf(a, size);
    }
  }
}
