package org.ppruning.deploy.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Docker-format image tarball as Jib's buildTar writes it (manifest.json, config JSON, gzipped
 * layer tars), read with the system's tar.
 *
 * @param tar the tarball
 * @param repoTags the image names it carries
 * @param config the image configuration's "config" object (Entrypoint, Env, ExposedPorts, User,
 *     Labels)
 * @param layers layer file names, bottom first
 * @param dir where the tarball was extracted
 */
public record ImageTarball(
    Path tar, List<String> repoTags, JsonNode config, List<String> layers, Path dir) {

  public static ImageTarball open(Path tar, Path workDir) {
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException(
          tar + " not found: build the images first (bin/mvn -B -Pimages package)");
    }
    Path dir = workDir.resolve("tar");
    run(List.of("rm", "-rf", dir.toString()));
    run(List.of("mkdir", "-p", dir.toString()));
    run(List.of("tar", "-xf", tar.toString(), "-C", dir.toString()));
    try {
      ObjectMapper json = new ObjectMapper();
      JsonNode manifest = json.readTree(dir.resolve("manifest.json").toFile());
      if (!manifest.isArray() || manifest.size() != 1) {
        throw new IllegalStateException(
            tar + ": manifest.json should list one image, has " + manifest);
      }
      JsonNode m = manifest.get(0);
      List<String> tags = new ArrayList<>();
      m.get("RepoTags").forEach(t -> tags.add(t.asText()));
      List<String> layers = new ArrayList<>();
      m.get("Layers").forEach(l -> layers.add(l.asText()));
      JsonNode config = json.readTree(dir.resolve(m.get("Config").asText()).toFile()).get("config");
      return new ImageTarball(tar, tags, config, layers, dir);
    } catch (IOException e) {
      throw new IllegalStateException(tar + ": cannot read manifest/config: " + e, e);
    }
  }

  /** Unpacks the layers in order into a fresh folder, as a container runtime would. */
  public Path unpack(Path root) {
    run(List.of("rm", "-rf", root.toString()));
    run(List.of("mkdir", "-p", root.toString()));
    for (String layer : layers) {
      // Jib writes no whiteout files (every layer only adds), so plain extraction is exact.
      run(
          List.of(
              "tar",
              "-xzf",
              dir.resolve(layer).toString(),
              "-C",
              root.toString(),
              "--numeric-owner"));
    }
    return root;
  }

  public List<String> entrypoint() {
    List<String> out = new ArrayList<>();
    config.path("Entrypoint").forEach(a -> out.add(a.asText()));
    config.path("Cmd").forEach(a -> out.add(a.asText()));
    return out;
  }

  public Map<String, String> env() {
    Map<String, String> out = new LinkedHashMap<>();
    config
        .path("Env")
        .forEach(
            e -> {
              String s = e.asText();
              out.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
            });
    return out;
  }

  public List<String> exposedPorts() {
    List<String> out = new ArrayList<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(out::add);
    return out;
  }

  public Map<String, String> labels() {
    Map<String, String> out = new LinkedHashMap<>();
    config
        .path("Labels")
        .fields()
        .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    }
  }
}
