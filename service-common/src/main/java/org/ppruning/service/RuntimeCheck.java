package org.ppruning.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.TensorFlow;

/**
 * What every ppruning service needs before it can work: the TensorFlow native runtime loads and its
 * work directory is writable. The services' readiness probes report this result.
 *
 * @param problem null when ready, else what is wrong
 * @param data details for the probe (work dir, TensorFlow version)
 */
public record RuntimeCheck(String problem, Map<String, String> data) {

  public boolean ready() {
    return problem == null;
  }

  public static RuntimeCheck of(Path workDir) {
    Map<String, String> data = new LinkedHashMap<>();
    Path dir = workDir.toAbsolutePath();
    data.put("work-dir", dir.toString());
    try {
      data.put("tensorflow", TensorFlow.version());
    } catch (LinkageError e) { // UnsatisfiedLinkError: native jar missing or for another platform
      return new RuntimeCheck("TensorFlow runtime: " + e, data);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      return new RuntimeCheck("cannot create work dir: " + e, data);
    }
    if (!Files.isWritable(dir)) {
      return new RuntimeCheck("work dir is not writable", data);
    }
    return new RuntimeCheck(null, data);
  }
}
