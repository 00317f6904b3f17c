package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.tokenize.TokenizerFiles;

/**
 * What {@code ppruning prune} needs, tiny: a 2-layer BERT (width 16, 4 heads, FFN 32) saved with a
 * 50-word WordPiece tokenizer, and 50 JSON-lines samples of 3 to 12 of its words.
 *
 * @param model the SavedModel folder
 * @param samples the samples file
 */
record TinyPruneInputs(Path model, Path samples) {

  static TinyPruneInputs create(Path tmp) throws Exception {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = 0; vocab.size() < 50; i++) {
      vocab.add("w" + i);
    }
    Path tok = tmp.resolve("tokenizer.json");
    Files.writeString(tok, TokenizerFiles.wordPieceJson(vocab, true));
    ModelSpec spec =
        TinyModels.bertSpec(2, 16, 4, 32).withTokenizer(new TokenizerSpec("wordpiece", true));
    Path model = tmp.resolve("tiny");
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 3), tok)) {
      m.export(model, false);
    }
    Random r = new Random(1);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      StringBuilder t = new StringBuilder();
      for (int j = 0, n = 3 + r.nextInt(10); j < n; j++) {
        t.append(" w").append(r.nextInt(45));
      }
      lines
          .append("{\"id\": \"s")
          .append(i)
          .append("\", \"text\": \"")
          .append(t.toString().strip())
          .append("\"}\n");
    }
    return new TinyPruneInputs(
        model, Files.writeString(tmp.resolve("samples.jsonl"), lines.toString()));
  }
}
