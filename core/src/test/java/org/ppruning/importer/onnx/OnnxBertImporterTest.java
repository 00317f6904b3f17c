package org.ppruning.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.importer.onnx.OnnxBertImporter.Imported;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

class OnnxBertImporterTest {

  @TempDir Path dir;

  @Test
  void importsEveryWeightUnderItsBertNameAndOrientation() throws IOException {
    Weights expected = TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 11);
    Path file = write(new TinyBertOnnx(), expected);

    Imported m = OnnxBertImporter.importBert(file, TinyBertOnnx.HEADS, "tiny-source");

    ModelSpec s = m.spec();
    assertEquals(Architecture.BERT, s.architecture());
    assertEquals(2, s.numLayers());
    assertEquals(8, s.hiddenSize());
    assertEquals(2, s.originalHeads());
    assertEquals(4, s.headSize());
    assertEquals(12, s.originalFfn());
    assertEquals(11, s.vocabSize());
    assertEquals(8, s.maxPositions());
    assertEquals(2, s.typeVocabSize());
    assertEquals(Activation.GELU, s.hiddenAct());
    assertEquals(1e-12, s.layerNormEps());
    assertTrue(s.pooler());
    assertFalse(s.mlmHead());
    assertEquals("tiny-source", s.source());
    assertNull(s.tokenizer());
    // Exact values: anonymous MatMul weights kept [in, out], the Gemm(transB) pooler transposed.
    assertEquals(expected.names(), m.weights().names());
    for (String name : expected.names()) {
      assertEquals(expected.get(name), m.weights().get(name), name);
    }
    assertEquals(expected.parameterCount(), m.weights().parameterCount());
  }

  @Test
  void importsMiniLmStyleExportWithoutPooler() throws IOException {
    ModelSpec spec = TinyBertOnnx.spec(false);
    Weights expected = TinyBertOnnx.randomWeights(spec, 12);
    TinyBertOnnx fixture = new TinyBertOnnx();
    fixture.pooler = false;
    fixture.positionIdsAsConstant = false; // the embeddings.position_ids initializer instead

    Imported m = OnnxBertImporter.importBert(write(fixture, expected), 2, "tiny");

    assertFalse(m.spec().pooler());
    assertFalse(m.weights().contains(BertLayout.POOLER + "/kernel"));
    assertEquals(expected.names(), m.weights().names());
    assertEquals(
        expected.get(BertLayout.value(1) + "/kernel"),
        m.weights().get(BertLayout.value(1) + "/kernel"));
  }

  @Test
  void missingTensorIsNamed() throws IOException {
    TinyBertOnnx fixture = new TinyBertOnnx();
    fixture.omit.add(BertLayout.key(1) + "/kernel");
    Path file = write(fixture, TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 1));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 2, "tiny"));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains("missing tensor 'bert/encoder/layer_1/attention/self/key/kernel' [8, 8]"),
        e.getMessage());
  }

  @Test
  void unknownLeftoverTensorsAreNamedWithTheirReaders() throws IOException {
    TinyBertOnnx fixture = new TinyBertOnnx();
    // A classifier head the importer does not know, and a dead anonymous matrix.
    fixture.extraInitializers.add(
        OnnxProto.floatTensor("classifier.weight", new long[] {8, 3}, new float[24]));
    fixture.extraNodes.add(
        OnnxProto.node(
            "/classifier/MatMul",
            "MatMul",
            new String[] {"pooler_output", "classifier.weight"},
            new String[] {"logits"}));
    fixture.extraInitializers.add(
        OnnxProto.floatTensor("onnx::MatMul_999", new long[] {8, 8}, new float[64]));
    Path file = write(fixture, TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 2));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 2, "tiny"));

    String msg = e.getMessage();
    assertTrue(msg.contains(file.toString()), msg);
    assertTrue(
        msg.contains(
            "'classifier.weight' FLOAT[8, 3] read by [MatMul '/classifier/MatMul']"
                + " was named 'classifier.weight' from its consumer, which is no BERT weight"),
        msg);
    assertTrue(msg.contains("'onnx::MatMul_999' FLOAT[8, 8] (read by no node)"), msg);
  }

  @Test
  void twoTensorsForOneWeightAreRefused() throws IOException {
    TinyBertOnnx fixture = new TinyBertOnnx();
    // Same parameter again under a task model's "bert." prefix.
    fixture.extraInitializers.add(
        OnnxProto.floatTensor(
            "bert.encoder.layer.0.attention.self.query.bias", new long[] {8}, new float[8]));
    Path file = write(fixture, TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 3));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 2, "tiny"));

    assertTrue(
        e.getMessage()
            .contains(
                "both 'encoder.layer.0.attention.self.query.bias' and"
                    + " 'bert.encoder.layer.0.attention.self.query.bias' map to"
                    + " bert/encoder/layer_0/attention/self/query/bias"),
        e.getMessage());
  }

  @Test
  void wrongHeadCountIsCaught() throws IOException {
    Path file = write(new TinyBertOnnx(), TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 4));

    // 4 heads: a valid split of 8, but the graph scales scores by sqrt(4), not sqrt(2).
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 4, "tiny"));
    assertTrue(
        e.getMessage()
            .contains(
                "4 heads give head size 2, but"
                    + " '/encoder/layer.0/attention/self/Div' and 1 more nodes divide attention scores by"
                    + " 2.0 = sqrt(4): wrong head count?"),
        e.getMessage());

    e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 3, "tiny"));
    assertTrue(
        e.getMessage().contains("hidden size 8 is not a multiple of the head count 3"),
        e.getMessage());
  }

  @Test
  void positionIdsMustCountFromZero() throws IOException {
    TinyBertOnnx fixture = new TinyBertOnnx();
    fixture.positionIdsOffset = 1;
    Path file = write(fixture, TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 5));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxBertImporter.importBert(file, 2, "tiny"));

    assertTrue(
        e.getMessage()
            .contains(
                "position ids 'onnx::Slice_9' INT64[1, 8] read by"
                    + " [Slice '/embeddings/Slice'] hold 1 at index 0"),
        e.getMessage());
  }

  @Test
  void nodeScopesAndParameterNamesMapToGoogleNames() {
    assertEquals(
        "encoder.layer.0.attention.self.query",
        OnnxBertImporter.moduleOf("/encoder/layer.0/attention/self/query/MatMul"));
    assertEquals(
        "encoder.layer.11.output.dense",
        OnnxBertImporter.moduleOf("/bert/encoder/layer.11/output/dense/MatMul"));
    assertNull(OnnxBertImporter.moduleOf("MatMul_12"));
    assertNull(OnnxBertImporter.moduleOf("/Cast"));

    List<String[]> cases =
        List.of(
            new String[] {"embeddings.word_embeddings.weight", "bert/embeddings/word_embeddings"},
            new String[] {"embeddings.LayerNorm.bias", "bert/embeddings/LayerNorm/beta"},
            new String[] {
              "encoder.layer.3.attention.self.value.weight",
              "bert/encoder/layer_3/attention/self/value/kernel"
            },
            new String[] {
              "encoder.layer.3.attention.output.dense.bias",
              "bert/encoder/layer_3/attention/output/dense/bias"
            },
            new String[] {
              "encoder.layer.3.attention.output.LayerNorm.weight",
              "bert/encoder/layer_3/attention/output/LayerNorm/gamma"
            },
            new String[] {
              "encoder.layer.3.intermediate.dense.weight",
              "bert/encoder/layer_3/intermediate/dense/kernel"
            },
            new String[] {
              "encoder.layer.3.output.dense.weight", "bert/encoder/layer_3/output/dense/kernel"
            },
            new String[] {
              "encoder.layer.3.output.LayerNorm.weight",
              "bert/encoder/layer_3/output/LayerNorm/gamma"
            },
            new String[] {"pooler.dense.weight", "bert/pooler/dense/kernel"});
    for (String[] c : cases) {
      assertEquals(c[1], OnnxBertImporter.bertName(c[0]), c[0]);
    }
    assertNull(OnnxBertImporter.bertName("embeddings.word_embeddings.bias"));
    assertNull(OnnxBertImporter.bertName("encoder.layer.0.attention.self.bias"));
    assertNull(OnnxBertImporter.bertName("classifier.weight"));
  }

  private Path write(TinyBertOnnx fixture, Weights w) throws IOException {
    Path f = dir.resolve("tiny.onnx");
    Files.write(f, fixture.build(w));
    return f;
  }
}
