package org.ppruning.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.BertLayout;
import org.ppruning.model.Weights;

class OnnxModelReaderTest {

  @TempDir Path dir;

  private final Weights weights = TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 7);

  @Test
  void readsGraphInitializersConstantsAndConsumers() throws IOException {
    Path file = write("tiny.onnx", new TinyBertOnnx().build(weights));

    OnnxModel m = OnnxModelReader.read(file);

    assertEquals(file.toString(), m.where());
    assertEquals(6, m.irVersion());
    assertEquals("ppruning-test 1", m.producer());
    assertEquals(Map.of("", 11L), m.opsets());
    assertEquals(
        List.of("input_ids", "attention_mask", "token_type_ids"),
        m.inputs().stream().map(OnnxValueInfo::name).toList());
    assertEquals(OnnxTensorProto.INT64, m.inputs().get(0).elemType());
    assertEquals(List.of("batch_size", "sequence_length"), m.inputs().get(0).dims());
    assertEquals(List.of("batch_size", "sequence_length", "8"), m.outputs().get(0).dims());
    assertEquals("pooler_output", m.outputs().get(1).name());

    // Anonymous MatMul weight: values as written, read by the query MatMul only.
    OnnxTensorProto q = m.initializers().get("onnx::MatMul_100");
    assertArrayEquals(new long[] {8, 8}, q.dims());
    assertEquals(weights.get(BertLayout.query(0) + "/kernel"), q.toFloatTensor());
    assertEquals(
        List.of("/encoder/layer.0/attention/self/query/MatMul"),
        m.consumers("onnx::MatMul_100").stream().map(OnnxNode::name).toList());
    // Named bias, read by an Add.
    List<OnnxNode> biasReaders =
        m.initializerConsumers().get("encoder.layer.1.intermediate.dense.bias");
    assertEquals(1, biasReaders.size());
    assertEquals("Add", biasReaders.get(0).opType());
    assertEquals(0, biasReaders.get(0).inputIndex("encoder.layer.1.intermediate.dense.bias"));
    // Integer initializer (reshape target) and float scalar initializer.
    assertArrayEquals(new long[] {0, 0, 2, 4}, m.initializers().get("onnx::Reshape_50").longs());
    assertEquals(2f, m.initializers().get("onnx::Div_52").floats()[0]);
    assertEquals(0, m.initializers().get("onnx::Div_52").dims().length);

    // Constant node values, keyed by output name.
    OnnxTensorProto pos = m.constants().get("onnx::Slice_9");
    assertArrayEquals(new long[] {1, 8}, pos.dims());
    assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, pos.longs());
    assertEquals(
        1e-12f, m.constants().get("/embeddings/LayerNorm/Constant_1_output_0").floats()[0]);
    assertEquals("Constant_10", m.producerOf("onnx::Slice_9").name());
    assertNull(m.producerOf("onnx::MatMul_100"));

    // Attributes of every kind the fixture writes.
    OnnxNode gemm = m.consumers("pooler.dense.weight").get(0);
    assertEquals(1, gemm.attribute("transB").i());
    assertEquals(1f, gemm.attribute("alpha").f());
    OnnxNode transpose =
        m.nodes().stream()
            .filter(n -> n.name().equals("/encoder/layer.0/attention/self/Transpose_2"))
            .findFirst()
            .orElseThrow();
    assertArrayEquals(new long[] {0, 2, 3, 1}, transpose.attribute("perm").ints());
  }

  @Test
  void readsTypedAndPackedTensorData() {
    float[] values = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
    OnnxProto typed = OnnxProto.floatTensorTyped("typed", new long[] {2, 3}, values);
    // Packed dims and packed int64_data, as proto3 writers emit them.
    OnnxProto packed =
        new OnnxProto()
            .packedVarints(1, 3)
            .varint(2, OnnxTensorProto.INT64)
            .str(8, "packed")
            .packedVarints(7, 5, -1, 1L << 40);
    OnnxProto graph =
        new OnnxProto()
            .msg(
                1,
                OnnxProto.node(
                    "/m/MatMul", "MatMul", new String[] {"x", "typed"}, new String[] {"y"}))
            .msg(5, typed)
            .msg(5, packed);
    OnnxModel m = OnnxModelReader.read(OnnxProto.model(graph, 13), "mem");

    assertArrayEquals(values, m.initializers().get("typed").floats());
    assertArrayEquals(new long[] {2, 3}, m.initializers().get("typed").dims());
    assertArrayEquals(new long[] {5, -1, 1L << 40}, m.initializers().get("packed").longs());
    assertArrayEquals(new long[] {3}, m.initializers().get("packed").dims());
  }

  @Test
  void rejectsEveryTruncationOfAValidFile() throws IOException {
    // PyTorch writes opset_import after the graph; other writers put it first, so that only the
    // embedded-message length checks can catch a cut inside the graph.
    for (boolean opsetFirst : new boolean[] {false, true}) {
      TinyBertOnnx fixture = new TinyBertOnnx();
      fixture.opsetFirst = opsetFirst;
      byte[] full = fixture.build(weights);
      OnnxModelReader.read(full, "full"); // the whole file is fine
      int refused = 0;
      for (int cut = 0; cut < full.length; cut += (cut < 64 || cut > full.length - 64) ? 1 : 37) {
        byte[] part = Arrays.copyOf(full, cut);
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> OnnxModelReader.read(part, "cut.onnx"),
                "prefix of "
                    + cut
                    + " of "
                    + full.length
                    + " bytes accepted, opsetFirst "
                    + opsetFirst);
        assertTrue(e.getMessage().startsWith("cut.onnx"), e.getMessage());
        refused++;
      }
      assertTrue(refused > 200, "tested " + refused + " prefixes");
    }

    byte[] full = new TinyBertOnnx().build(weights);
    Path file = write("truncated.onnx", Arrays.copyOf(full, full.length / 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OnnxModelReader.read(file));
    assertTrue(
        e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated"),
        e.getMessage());
  }

  @Test
  void rejectsExternalData() {
    OnnxProto external =
        new OnnxProto()
            .varint(1, 4)
            .varint(1, 4)
            .varint(2, OnnxTensorProto.FLOAT)
            .str(8, "encoder.layer.0.output.dense.weight")
            .msg(13, new OnnxProto().str(1, "location").str(2, "weights.bin"))
            .varint(14, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OnnxModelReader.read(
                    OnnxProto.model(new OnnxProto().msg(5, external), 11), "ext.onnx"));
    assertTrue(
        e.getMessage().contains("ext.onnx")
            && e.getMessage().contains("'encoder.layer.0.output.dense.weight' FLOAT[4, 4]")
            && e.getMessage().contains("location=weights.bin"),
        e.getMessage());
  }

  @Test
  void rejectsDataThatDoesNotFillTheShape() {
    OnnxProto shortRaw = OnnxProto.floatTensor("onnx::MatMul_5", new long[] {3, 3}, new float[8]);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OnnxModelReader.read(
                    OnnxProto.model(new OnnxProto().msg(5, shortRaw), 11), "s.onnx"));
    assertTrue(
        e.getMessage()
            .contains(
                "'onnx::MatMul_5' FLOAT[3, 3] has 32 bytes of raw_data,"
                    + " its shape needs 9 x 4 = 36"),
        e.getMessage());

    OnnxProto noData = new OnnxProto().varint(1, 2).varint(2, OnnxTensorProto.FLOAT).str(8, "w");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OnnxModelReader.read(
                    OnnxProto.model(new OnnxProto().msg(5, noData), 11), "n.onnx"));
    assertTrue(e.getMessage().contains("'w' FLOAT[2] has no data"), e.getMessage());
  }

  @Test
  void rejectsFilesThatAreNotOnnx() throws IOException {
    Path empty = write("empty.onnx", new byte[0]);
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OnnxModelReader.read(empty))
            .getMessage()
            .contains("is empty"));
    Path text = write("readme.onnx", "This is not a model, just text.\n".getBytes());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OnnxModelReader.read(text));
    assertTrue(e.getMessage().contains(text.toString()), e.getMessage());
    // Valid protobuf, but no graph.
    byte[] noGraph = new OnnxProto().varint(1, 6).str(2, "x").toBytes();
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OnnxModelReader.read(noGraph, "g.onnx"))
            .getMessage()
            .contains("has no graph"));
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    return f;
  }
}
