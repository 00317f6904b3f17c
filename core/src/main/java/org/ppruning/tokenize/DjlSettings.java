package org.ppruning.tokenize;

/**
 * Keeps DJL from going online. Its tokenizers jar bundles the CPU native library, but on a machine
 * with CUDA DJL would try to download a CUDA build (and it may report usage when run on EC2);
 * offline mode makes it use the bundled library. An explicit {@code DJL_OFFLINE} or {@code
 * ai.djl.offline} setting is left as it is.
 */
final class DjlSettings {

  private DjlSettings() {}

  static synchronized void preferBundledNativeLibrary() {
    if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }
}
