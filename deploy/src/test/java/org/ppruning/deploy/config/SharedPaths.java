package org.ppruning.deploy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The check behind {@code SharedPathsTest}: every path a service writes that another service or its
 * own restart needs is on persistent storage, at the same place in every pod that reads it.
 *
 * <ul>
 *   <li>The pruner's repository ({@code ppruning.pruner.repository}) is persistent, and the same
 *       absolute path in the finetuner's container is the same folder of the same volume: model
 *       events carry the version folder's absolute path ({@code file:///...}) as the pruner sees
 *       it, and the finetuner opens that path; the finetuner accepts events only from inside its
 *       {@code ppruning.finetuner.training.pruned-repository}, which must be that same path.
 *   <li>The pruner's state ({@code ppruning.pruner.state-dir}, the checkpoint of merged summaries
 *       and input offsets) is persistent: the pruner resumes from it after a reschedule.
 *   <li>The finetuner's repository ({@code ppruning.finetuner.serving.repository}: fine-tuned
 *       versions, each naming its pruned parent, which is how a re-read event is not trained again)
 *       is persistent.
 *   <li>The two repositories do not overlap: each numbers its versions on its own.
 *   <li>A model given as a folder ({@code default-model} of the profiler and the pruner) is on
 *       persistent storage, where it was imported beforehand.
 * </ul>
 */
public final class SharedPaths {

  private SharedPaths() {}

  /** The problems found, each naming the key, its value and where it lands; empty if none. */
  public static List<String> problems(Map<String, ServiceRuntime> services) {
    ServiceRuntime pruner = require(services, "pruner");
    ServiceRuntime finetuner = require(services, "finetuner");
    List<String> out = new ArrayList<>();

    String repoKey = "ppruning.pruner.repository";
    String repo = pruner.config().value(repoKey);
    ServiceRuntime.Location written = pruner.locate(repo);
    persistent(
        out, pruner, repoKey, "the pruned versions are lost when the pod or container is replaced");
    ServiceRuntime.Location read = finetuner.locate(repo);
    if (!written.persistent() || !read.equals(written)) {
      out.add(
          finetuner.origin()
              + " cannot open the versions model events announce: they name folders under "
              + repo
              + " ("
              + pruner.origin()
              + ": "
              + pruner.config().explain(repoKey)
              + ", written to "
              + written
              + "), and "
              + repo
              + " in the finetuner's container is "
              + read);
    }
    String acceptedKey = "ppruning.finetuner.training.pruned-repository";
    String accepted = finetuner.config().value(acceptedKey);
    if (!Path.of(accepted).normalize().equals(Path.of(repo).normalize())) {
      out.add(
          finetuner.origin()
              + " refuses every model event as outside its repository: "
              + finetuner.config().explain(acceptedKey)
              + " is not the pruner's repository ("
              + pruner.config().explain(repoKey)
              + ")");
    }
    persistent(
        out,
        pruner,
        "ppruning.pruner.state-dir",
        "the pruner's checkpoint (merged summaries, input offsets) is lost when the pod or container is replaced");
    String tunedKey = "ppruning.finetuner.serving.repository";
    persistent(
        out,
        finetuner,
        tunedKey,
        "fine-tuned versions, and the record of which pruned version each came from, are lost"
            + " when the pod or container is replaced");

    ServiceRuntime.Location tuned = finetuner.locate(finetuner.config().value(tunedKey));
    // Only storage two pods share can overlap: two emptyDirs of one name are two folders.
    if (tuned.persistent()
        && written.persistent()
        && tuned.volume().equals(written.volume())
        && (Path.of(tuned.pathInVolume()).startsWith(Path.of(written.pathInVolume()))
            || Path.of(written.pathInVolume()).startsWith(Path.of(tuned.pathInVolume())))) {
      out.add(
          "the pruner's and the finetuner's repositories overlap ("
              + pruner.config().explain(repoKey)
              + "; "
              + finetuner.config().explain(tunedKey)
              + "): both number versions of a task on their own");
    }
    for (String s : List.of("profiler", "pruner")) {
      ServiceRuntime r = services.get(s);
      String key = "ppruning." + s + ".default-model";
      if (r != null && r.config().raw(key).isPresent() && r.config().value(key).startsWith("/")) {
        persistent(out, r, key, "the model must be imported onto a volume beforehand");
      }
    }
    return out;
  }

  private static void persistent(List<String> out, ServiceRuntime r, String key, String why) {
    ServiceRuntime.Location at = r.locate(r.config().value(key));
    if (!at.persistent()) {
      out.add(r.origin() + ": " + r.config().explain(key) + " is on " + at + ": " + why);
    }
  }

  private static ServiceRuntime require(Map<String, ServiceRuntime> services, String name) {
    ServiceRuntime r = services.get(name);
    if (r == null) {
      throw new IllegalArgumentException("no " + name + " among " + services.keySet());
    }
    return r;
  }
}
