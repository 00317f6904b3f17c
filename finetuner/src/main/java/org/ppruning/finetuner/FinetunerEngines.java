package org.ppruning.finetuner;

import java.io.IOException;
import org.ppruning.data.TaskData;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.finetuner.serving.ServingRegistry;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.stream.FinetunerEngine;
import org.ppruning.stream.VersionCheck;
import org.ppruning.train.Distillation;
import org.ppruning.train.Trainer;

/** Builds the service's {@link FinetunerEngine} from its settings. */
final class FinetunerEngines {
  private FinetunerEngines() {}

  /**
   * The engine over the serving repository, with the configured data set and teacher; pruned events
   * must name a valid version inside {@code training.pruned-repository}.
   */
  static FinetunerEngine engine(FinetunerConfig.Training c, ServingRegistry serving) {
    Trainer.Config tc =
        Trainer.Config.defaults(c.epochs(), c.lr(), c.batch(), c.maxLen(), c.seed());
    FinetunerEngine.Datasets data =
        name ->
            TaskData.load(
                name,
                null,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err);
    FinetunerEngine.Teacher teacher = c.teacher().isEmpty() ? () -> null : () -> teacher(c);
    return new FinetunerEngine(
        serving.repository(),
        new FinetunerEngine.Settings(c.dataset().orElse(null), tc, c.trainRows().orElse(null)),
        data,
        teacher,
        serving::offer,
        new VersionCheck(c.prunedRepository(), VersionCheck.SAVED_MODEL));
  }

  private static Distillation teacher(FinetunerConfig.Training c) throws IOException {
    String name = c.teacher().orElseThrow();
    try (TransformerModel t =
        ModelLoader.open(
            name, ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()))) {
      return new Distillation(t.spec(), t.readWeights(), c.distillWeight(), c.distillDecay());
    } catch (Exception e) { // any failure names the setting it came from
      throw new IOException(
          "cannot load the teacher "
              + name
              + " (ppruning.finetuner.training.teacher): "
              + e.getMessage(),
          e);
    }
  }
}
