package org.ppruning.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.importer.ModelSource;

/**
 * For {@code @Tag("real")} tests: catalog models fetched (on a fresh machine) and unpacked through
 * the same {@link ArtifactCache} users go through, once per JVM.
 */
public final class RealModels {
  private static final Map<String, ModelSource> SOURCES = new ConcurrentHashMap<>();

  private RealModels() {}

  public static ModelSource source(String catalogName) {
    return SOURCES.computeIfAbsent(
        catalogName,
        n -> {
          try {
            return ModelSource.fetch(
                ModelCatalog.get(n),
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + n, e);
          }
        });
  }
}
