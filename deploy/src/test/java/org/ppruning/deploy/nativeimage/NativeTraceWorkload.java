package org.ppruning.deploy.nativeimage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/**
 * What the services do with native code, on a tiny random BERT: build the graph in TensorFlow, run
 * serving_default and profile, export a SavedModel (protobuf) and load it back, tokenize with DJL.
 * Run in a child JVM by {@link NativeTrace} with JNI and class-load tracing; prints the native
 * libraries mapped into the process at the end (from /proc/self/maps).
 */
public final class NativeTraceWorkload {

  private NativeTraceWorkload() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    ModelSpec spec = TinyModels.bertSpec(2, 32, 4, 64);
    List<String> vocab = new ArrayList<>(TokenizerFiles.BERT_SPECIAL_TOKENS);
    while (vocab.size() < spec.vocabSize()) {
      vocab.add("w" + vocab.size());
    }
    Path tokenizer = work.resolve("tokenizer.json");
    Files.writeString(tokenizer, TokenizerFiles.wordPieceJson(vocab, true));
    try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
      tok.encode(List.of("w10 w11 w12"), null, 16);
    }
    Path saved = work.resolve("saved");
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 1), tokenizer)) {
      m.serve(TinyModels.batch(spec.vocabSize(), 1, 5, 7));
      m.profile(TinyModels.batch(spec.vocabSize(), 2, 6), new int[] {0, 1, 2});
      m.export(saved, true);
    }
    try (TransformerModel loaded = TransformerModel.load(saved)) {
      loaded.serve(TinyModels.batch(spec.vocabSize(), 3, 4));
      loaded.readWeights();
    }
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      int slash = line.indexOf('/');
      if (slash >= 0 && line.contains(".so")) {
        System.out.println("MAPPED " + line.substring(slash));
      }
    }
  }
}
