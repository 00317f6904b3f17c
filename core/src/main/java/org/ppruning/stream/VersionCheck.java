package org.ppruning.stream;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.ppruning.graph.TransformerModel;

/**
 * Whether a model version may be loaded: a {@code pruned} event's folder must lie inside the
 * repository it claims to come from (after resolving symlinks and {@code ..}), be that repository's
 * {@code <task>/<version>} folder of the event, exist, and hold a valid model (the SavedModel loads
 * with its spec and every weight has the shape the spec implies: {@link TransformerModel#load}'s
 * checks). A refusal is a {@link Problem}: a reason (the metric's label) and a message naming the
 * path and what was wrong.
 */
public final class VersionCheck {
  /** Why a version was refused; {@link #label()} is the metric's reason label. */
  public enum Reason {
    /** The event's path is not a file URI. */
    BAD_PATH,
    /** The path resolves outside the repository root (symlinks and '..' resolved). */
    OUTSIDE_REPOSITORY,
    /** Inside the repository, but not the {@code <task>/<version>} folder the event names. */
    WRONG_FOLDER,
    /** No such folder. */
    MISSING,
    /** The folder holds no valid model: no SavedModel, no or a bad spec, or misshapen weights. */
    INVALID_SPEC;

    public String label() {
      return name().toLowerCase();
    }
  }

  /**
   * A refused version.
   *
   * @param reason why
   * @param path the folder (or the event's path as given)
   * @param detail the message: the path and what was wrong
   */
  public record Problem(Reason reason, String path, String detail) {}

  /** Throws if {@code dir} is not a model a service may load. */
  @FunctionalInterface
  public interface Loader {
    void load(Path dir) throws Exception;
  }

  /** The check services use: {@link TransformerModel#load} (spec and weight shapes), closed. */
  public static final Loader SAVED_MODEL =
      dir -> {
        try (TransformerModel m = TransformerModel.load(dir)) {
          m.spec();
        }
      };

  private final Path root;
  private final Loader loader;

  /**
   * @param root the repository events must point into
   * @param loader how a folder is loaded to check it ({@link #SAVED_MODEL} in the services)
   */
  public VersionCheck(Path root, Loader loader) {
    this.root = root.toAbsolutePath().normalize();
    this.loader = loader;
  }

  public Path root() {
    return root;
  }

  /** Why {@code event}'s folder may not be loaded, or empty if it may. */
  public Optional<Problem> event(ModelEvent event) {
    String given = event.path();
    Path p;
    try {
      p = Path.of(URI.create(given)).toAbsolutePath().normalize();
    } catch (RuntimeException e) { // null, not a URI, not a file URI
      return Optional.of(
          new Problem(
              Reason.BAD_PATH,
              String.valueOf(given),
              "path " + given + " is not a file URI: " + e.getMessage()));
    }
    Path realRoot = real(root);
    Path real = real(p);
    if (!real.startsWith(realRoot)) {
      return Optional.of(
          new Problem(
              Reason.OUTSIDE_REPOSITORY,
              p.toString(),
              "path "
                  + p
                  + (real.equals(p) ? "" : " (really " + real + ")")
                  + " is outside the repository "
                  + root));
    }
    Path expected = realRoot.resolve(event.task()).resolve(Long.toString(event.version()));
    if (!real.equals(expected)) {
      return Optional.of(
          new Problem(
              Reason.WRONG_FOLDER,
              p.toString(),
              "path "
                  + p
                  + " is not the folder of "
                  + event.task()
                  + " version "
                  + event.version()
                  + " ("
                  + expected
                  + ")"));
    }
    return folder(p);
  }

  /** Why the version folder {@code dir} may not be loaded, or empty if it may. */
  public Optional<Problem> folder(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.of(
          new Problem(Reason.MISSING, dir.toString(), "version folder " + dir + " does not exist"));
    }
    try {
      loader.load(dir);
      return Optional.empty();
    } catch (Exception | LinkageError e) {
      return Optional.of(
          new Problem(
              Reason.INVALID_SPEC,
              dir.toString(),
              "version folder " + dir + " holds no valid model: " + e.getMessage()));
    }
  }

  /** The path with its symlinks resolved as far as it exists ('..' already normalized). */
  private static Path real(Path p) {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return p;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(p)).normalize();
    } catch (IOException e) {
      return p;
    }
  }
}
