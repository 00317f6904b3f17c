package org.ppruning.profiler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.service.PrecisionSetting;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.tokenize.TextTokenizer;

/**
 * The model of every known task ({@code default-model} unless {@code models.TASK} names another),
 * each distinct model opened once with its tokenizer; closed with the service.
 */
final class TaskModels implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TaskModels.class);
  static final String PRECISION_KEY = "ppruning.profiler.precision";

  private final List<AutoCloseable> owned = new ArrayList<>();
  private volatile Map<String, String> loaded = Map.of();

  /** Task -> model name, once loaded. */
  Map<String, String> loaded() {
    return loaded;
  }

  /** Opens the models of {@code config}'s known tasks. */
  Map<String, ProfilerEngine.TaskModel> open(ProfilerConfig config) throws Exception {
    Map<String, String> byTask = new LinkedHashMap<>();
    for (String task : config.knownTasks()) {
      byTask.put(task, config.models().getOrDefault(task, config.defaultModel()));
    }
    for (String task : config.models().keySet()) {
      if (!byTask.containsKey(task)) {
        throw new IllegalArgumentException(
            "ppruning.profiler.models."
                + task
                + " names a task that is not in ppruning.profiler.known-tasks "
                + config.knownTasks());
      }
    }
    Map<String, ProfilerEngine.TaskModel> open = new HashMap<>();
    Map<String, ProfilerEngine.TaskModel> out = new HashMap<>();
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    Precision precision = PrecisionSetting.read(PRECISION_KEY, config.precision());
    for (var e : byTask.entrySet()) {
      ProfilerEngine.TaskModel m = open.get(e.getValue());
      if (m == null) {
        LOG.infof("loading model %s (%s)", e.getValue(), precision.id());
        TransformerModel model = own(ModelLoader.open(e.getValue(), cache, precision));
        if (model.tokenizerJson() == null) {
          throw new IllegalArgumentException(
              "model " + e.getValue() + " has no tokenizer; import it with one");
        }
        m = new ProfilerEngine.TaskModel(model, own(TextTokenizer.load(model.tokenizerJson())));
        open.put(e.getValue(), m);
      }
      out.put(e.getKey(), m);
    }
    loaded = Map.copyOf(byTask);
    LOG.infof("models loaded: %s", byTask);
    return out;
  }

  private <T extends AutoCloseable> T own(T c) {
    synchronized (owned) {
      owned.add(c);
    }
    return c;
  }

  @Override
  public void close() {
    synchronized (owned) {
      for (AutoCloseable c : owned) {
        try {
          c.close();
        } catch (Exception ex) {
          LOG.warn("closing " + c, ex);
        }
      }
      owned.clear();
    }
  }
}
