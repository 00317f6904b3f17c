package org.ppruning.pruning.run;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.tokenize.TextTokenizer;

/** {@code pruning-report.json} of a real run on a tiny BERT holds exactly the plan's numbers. */
class PruningReportTest {
  @TempDir Path tmp;

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  static double[] doubles(JsonNode a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }

  @Test
  void jsonEqualsThePlanTheDendrogramsAndTheFeatures() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(3, 16, 4, 80);
    Weights w = TinyModels.randomWeights(spec, 9);
    PruneRun run;
    ActivationFeatures f;
    try (TransformerModel m = TransformerModel.build(spec, w, null);
        TextTokenizer tok = TinyModels.tokenizer(tmp)) {
      f = FeatureCollector.collect(m, tok, TinyModels.samples(40, 3, 3, 12), 120, 5, 8, System.err);
      PruneSettings s =
          PruneSettings.builder()
              .linkage(org.ppruning.pruning.clustering.LinkageMode.DIRECT)
              .flopsKeep(0.6)
              .build();
      run = PruneRun.plan(spec, w, f, s, "test", Map.of("profile", 0.5));
    }
    Path out = tmp.resolve("pruned");
    Map<String, Object> returned = run.export(out, false, null);
    JsonNode j = new ObjectMapper().readTree(out.resolve("pruning-report.json").toFile());
    ObjectMapper mapper = new ObjectMapper();
    assertTrue(
        mapper.readTree(mapper.writeValueAsString(returned)).equals(j),
        "export returns what it wrote");

    ModelSpec after = run.pruned().spec();
    int seqLen = run.config().budget().seqLen();
    assertEquals("ppruning-report/1", j.get("format").asText());
    assertEquals(CostModel.encoderFlops(spec, seqLen), j.get("flopsBefore").asLong());
    assertEquals(CostModel.encoderFlops(after, seqLen), j.get("flopsAfter").asLong());
    assertEquals(j.get("flopsAfter").asLong(), j.at("/flops/total/after").asLong());
    assertEquals(
        j.at("/flops/attention/after").asLong() + j.at("/flops/ffn/after").asLong(),
        j.get("flopsAfter").asLong());
    assertTrue(j.get("flopsKept").asDouble() <= 0.6 + 1e-12, j.get("flopsKept").toString());
    assertEquals(CostModel.totalParams(after), j.get("paramsAfter").asLong());
    assertEquals(run.result().targets().attention(), j.at("/budget/attentionTarget").asDouble());
    assertTrue(
        j.at("/flops/attention/after").asDouble() <= j.at("/budget/attentionTarget").asDouble());
    assertTrue(j.at("/flops/ffn/after").asDouble() <= j.at("/budget/ffnTarget").asDouble());
    assertEquals(run.result().heads().threshold(), j.at("/thresholds/heads").asDouble());
    assertEquals(run.result().neurons().threshold(), j.at("/thresholds/neurons").asDouble());
    assertEquals(40, j.get("samples").asInt());

    int removedSomewhere = 0;
    for (int l = 0; l < 3; l++) {
      JsonNode h = j.at("/layers/" + l + "/heads");
      JsonNode n = j.at("/layers/" + l + "/neurons");
      int[] keptHeads = run.result().plan().keepHeads().get(l);
      int[] keptNeurons = run.result().plan().keepNeurons().get(l);
      assertArrayEquals(keptHeads, ints(h.get("kept")));
      assertArrayEquals(keptNeurons, ints(n.get("kept")));
      assertArrayEquals(after.layers().get(l).keptHeads(), ints(h.get("keptOriginal")));
      assertEquals(keptHeads.length, h.get("after").asInt());
      assertEquals(4, h.get("before").asInt());
      assertEquals(80, n.get("before").asInt());
      assertArrayEquals(run.result().headTrees().get(l).heights(), doubles(h.get("mergeHeights")));
      assertArrayEquals(
          run.result().neuronTrees().get(l).heights(), doubles(n.get("mergeHeights")));
      assertArrayEquals(f.layers().get(l).neuronSalience(), doubles(n.get("salience")));
      assertArrayEquals(f.layers().get(l).headSalience(), doubles(h.get("salience")));
      // P-pruning keeps one unit per cluster: every applied merge removed one unit.
      assertEquals(keptNeurons.length, n.get("clusters").asInt());
      assertEquals(80 - keptNeurons.length, n.get("mergesApplied").asInt());
      assertEquals(keptNeurons.length, n.at("/salienceKept/count").asInt());
      double[] salience = f.layers().get(l).neuronSalience();
      double[] keptSalience = Arrays.stream(keptNeurons).mapToDouble(i -> salience[i]).toArray();
      assertEquals(
          Arrays.stream(keptSalience).max().orElseThrow(), n.at("/salienceKept/max").asDouble());
      removedSomewhere += 80 - keptNeurons.length;
    }
    assertTrue(removedSomewhere > 0, "the budget removed neurons");

    String html = Files.readString(out.resolve("pruning-report.html"));
    assertFalse(html.contains("NaN"));
    for (int l = 0; l < 3; l++) {
      int kept = run.result().plan().keepNeurons().get(l).length;
      assertTrue(
          html.contains(
              "data-layer=\""
                  + l
                  + "\" data-kind=\"neurons\" data-kept=\""
                  + kept
                  + "\" data-before=\"80\""),
          "width bar of layer " + l);
    }
  }
}
