package org.ppruning.stream;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;

/**
 * The base models of the pruner's tasks: a task's own model if it has one, else the default, each
 * loaded once ({@link ModelLoader}: catalog name, ppruning SavedModel or checkpoint folder) and
 * kept as spec, weights and tokenizer.
 */
public final class BaseModels implements PrunerEngine.Bases {
  private final String defaultModel;
  private final Map<String, String> perTask;
  private final ArtifactCache cache;
  private final Consumer<String> loading;
  private final Map<String, PrunerEngine.Base> loaded = new ConcurrentHashMap<>();

  /**
   * @param defaultModel the model of tasks without an entry in {@code perTask}
   * @param perTask task -> model
   * @param loading told the model's name before it is loaded (a log line)
   */
  public BaseModels(
      String defaultModel,
      Map<String, String> perTask,
      ArtifactCache cache,
      Consumer<String> loading) {
    this.defaultModel = defaultModel;
    this.perTask = Map.copyOf(perTask);
    this.cache = cache;
    this.loading = loading;
  }

  @Override
  public PrunerEngine.Base forTask(String task) throws IOException {
    return get(perTask.getOrDefault(task, defaultModel));
  }

  /** The default model (loaded before anything is read, so a bad one stops the start). */
  public PrunerEngine.Base defaultBase() throws IOException {
    return get(defaultModel);
  }

  /**
   * {@code model}, loaded on first use.
   *
   * @throws IOException naming the model if it cannot be loaded
   * @throws IllegalArgumentException if it has no tokenizer
   */
  public PrunerEngine.Base get(String model) throws IOException {
    PrunerEngine.Base b = loaded.get(model);
    if (b != null) {
      return b;
    }
    loading.accept(model);
    try (TransformerModel m = ModelLoader.open(model, cache)) {
      if (m.tokenizerJson() == null) {
        throw new IllegalArgumentException("base model " + model + " has no tokenizer");
      }
      b = new PrunerEngine.Base(model, m.spec(), m.readWeights(), m.tokenizerJson());
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot load base model " + model + ": " + e.getMessage(), e);
    }
    loaded.put(model, b);
    return b;
  }
}
