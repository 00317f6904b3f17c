package org.ppruning.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code ppruning --version}: the version the build wrote into {@code build.properties} (Maven
 * resource filtering of {@code app/src/main/resources-filtered}), never a string in the code.
 */
public final class BuildVersion implements IVersionProvider {
  static final String RESOURCE = "build.properties";

  @Override
  public String[] getVersion() {
    return new String[] {"ppruning " + version()};
  }

  /** The project version of this build; refuses a missing or unfiltered resource. */
  public static String version() {
    Properties p = new Properties();
    try (InputStream in = BuildVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "org/ppruning/cli/" + RESOURCE + " is not on the class path: build the app module");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read org/ppruning/cli/" + RESOURCE, e);
    }
    String v = p.getProperty("version", "");
    if (v.isBlank() || v.contains("${")) {
      throw new IllegalStateException(
          "org/ppruning/cli/" + RESOURCE + " has no build version (version=" + v + ")");
    }
    return v;
  }
}
