package org.ppruning.importer;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;

/**
 * What commands (and the services) accept as a model: a ppruning SavedModel, a catalog name or a
 * checkpoint.
 */
public final class ModelLoader {
  private ModelLoader() {}

  public static TransformerModel open(String model, ArtifactCache cache) throws Exception {
    return open(model, cache, Precision.FP32);
  }

  /** As {@link #open(String, ArtifactCache)}, the session computing in {@code precision}. */
  public static TransformerModel open(String model, ArtifactCache cache, Precision precision)
      throws Exception {
    Path dir = Path.of(model);
    if (Files.isDirectory(dir)
        && Files.exists(dir.resolve("assets").resolve(ModelSpec.ASSET_NAME))) {
      return TransformerModel.load(dir, precision);
    }
    ModelSource src = ModelSource.resolve(model, cache, System.err);
    Imported imp = src.load(System.err);
    return TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson(), precision);
  }
}
