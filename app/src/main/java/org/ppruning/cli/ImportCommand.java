package org.ppruning.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.model.CostModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ppruning import NAME --out DIR}: fetch, convert, write our SavedModel. */
@Command(
    name = "import",
    description =
        "Fetch a pre-trained model (catalog name or Hugging Face "
            + "checkpoint folder) and write it as a ppruning SavedModel.")
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME|DIR", description = "See 'ppruning models'.")
  String model;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(names = "--force", description = "Replace DIR if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (java.nio.file.Files.exists(out) && !force) {
      throw new IllegalArgumentException("output " + out + " exists; pass --force to replace it");
    }
    long t0 = System.nanoTime();
    ModelSource src =
        ModelSource.resolve(
            model,
            ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
            System.err);
    double fetchS = (System.nanoTime() - t0) / 1e9;
    Imported imp = src.load(System.err);
    double readS = (System.nanoTime() - t0) / 1e9 - fetchS;
    long t1 = System.nanoTime();
    try (TransformerModel m =
        TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson())) {
      m.export(out, force);
    }
    double exportS = (System.nanoTime() - t1) / 1e9;
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("model", src.name());
    o.put("out", out.toAbsolutePath().toString());
    o.put("architecture", imp.spec().architecture().id());
    o.put("layers", imp.spec().numLayers());
    o.put("params", CostModel.totalParams(imp.spec()));
    o.put(
        "seconds", Map.of("fetch", round(fetchS), "read", round(readS), "export", round(exportS)));
    if (json) {
      Json.print(o);
    } else {
      System.out.printf(
          "imported %s -> %s (%s, %d layers, %,d parameters; fetch %.1f s,"
              + " read %.1f s, export %.1f s)%n",
          src.name(),
          out,
          imp.spec().architecture().id(),
          imp.spec().numLayers(),
          CostModel.totalParams(imp.spec()),
          fetchS,
          readS,
          exportS);
    }
    return 0;
  }

  static double round(double s) {
    return Math.round(s * 100) / 100.0;
  }
}
