package org.ppruning.importer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.CostModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.TinyModels;

@Tag("real")
class EasyBertScratchTest {
  @Test
  void parity() throws Exception {
    Path dir = Path.of("/tmp/dl/ebsm");
    long t0 = System.nanoTime();
    Imported imp = EasyBertImporter.importSavedModel(dir, 12, "scratch");
    System.out.printf("import %.1fs params %d%n", (System.nanoTime() - t0) / 1e9, imp.weights().parameterCount());
    assertEquals(CostModel.totalParams(imp.spec()), imp.weights().parameterCount());
    List<String> vocab = Files.readAllLines(dir.resolve("assets/vocab.txt"));
    String[] words = {"[CLS]", "the", "capital", "of", "france", "is", "[MASK]", ".", "[SEP]"};
    TokenBatch rnd = TinyModels.batch(30522, 1, 128, 40, 9);
    int[] ids = rnd.inputIds().clone();
    for (int j = 0; j < words.length; j++) {
      ids[2 * 128 + j] = vocab.indexOf(words[j]);
    }
    TokenBatch b = new TokenBatch(3, 128, ids, rnd.attentionMask(), rnd.tokenTypeIds());
    try (TransformerModel m = TransformerModel.build(imp.spec(), imp.weights(), null);
        EasyBertReference ref = new EasyBertReference(dir)) {
      Map<String, FloatTensor> ours = m.serve(b);
      Map<String, FloatTensor> theirs = ref.run(b);
      System.out.println("seq diff " + TinyModels.maxAbsDiff(ours.get("sequence_output"), theirs.get("sequence_output")));
      System.out.println("pool diff " + TinyModels.maxAbsDiff(ours.get("pooled_output"), theirs.get("pooled_output")));
      FloatTensor mlm = ours.get("mlm_logits");
      int base = (2 * 128 + 6) * 30522;
      int best = 0;
      for (int v = 0; v < 30522; v++) {
        if (mlm.data()[base + v] > mlm.data()[base + best]) best = v;
      }
      System.out.println("top1 " + vocab.get(best));
    }
  }
}
