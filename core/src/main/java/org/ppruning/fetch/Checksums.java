package org.ppruning.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Size and SHA-256 checks of fetched files. Hashing a 408 MB jar takes seconds, so a successful
 * hash is remembered in a stamp file keyed by the file's size and modification time; a file that
 * changes (even with the same size) is hashed again.
 */
public final class Checksums {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

  private final Path stampDir;

  /** Checks that remember hashes in {@code stampDir} (created on first use). */
  public Checksums(Path stampDir) {
    this.stampDir = stampDir;
  }

  /**
   * Verifies {@code file}'s size and SHA-256.
   *
   * @param expectedSize bytes, or a negative number to skip the size check
   * @param sha256 lower- or upper-case hex digest, or null to skip hashing
   * @throws IOException naming the file, the expected and the actual value if they differ
   */
  public void verify(Path file, long expectedSize, String sha256) throws IOException {
    if (sha256 != null && !SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "expected SHA-256 for " + file + " must be 64 hex digits, got '" + sha256 + "'");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException("expected a file at " + file + " but there is none");
    }
    long size = Files.size(file);
    if (expectedSize >= 0 && size != expectedSize) {
      throw new IOException(
          String.format(
              Locale.ROOT,
              "%s has %,d bytes, expected %,d (%s); delete it to fetch it again",
              file,
              size,
              expectedSize,
              size < expectedSize ? "truncated download?" : "a different file?"));
    }
    if (sha256 == null) {
      return;
    }
    String actual = cachedOrComputedSha256(file);
    if (!actual.equalsIgnoreCase(sha256)) {
      throw new IOException(
          "SHA-256 of "
              + file
              + " is "
              + actual
              + ", expected "
              + sha256.toLowerCase(Locale.ROOT)
              + "; delete it to fetch it again");
    }
  }

  /** Hex SHA-256 of a file's bytes. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The stamp's digest when size and mtime still match, else a fresh hash (then stamped). */
  String cachedOrComputedSha256(Path file) throws IOException {
    String key = Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
    Path stamp = stampFor(file);
    if (Files.isRegularFile(stamp)) {
      String[] parts = Files.readString(stamp, StandardCharsets.UTF_8).trim().split(" ");
      if (parts.length == 3
          && key.equals(parts[0] + " " + parts[1])
          && SHA256_HEX.matcher(parts[2]).matches()) {
        return parts[2];
      }
    }
    String digest = sha256(file);
    AtomicFiles.writeString(stamp, key + " " + digest + "\n");
    return digest;
  }

  /** One stamp per absolute path: readable file name plus a short hash of the full path. */
  Path stampFor(Path file) throws IOException {
    String abs = file.toAbsolutePath().normalize().toString();
    String pathHash;
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(abs.getBytes(StandardCharsets.UTF_8));
      pathHash = HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    return stampDir.resolve(file.getFileName() + "-" + pathHash + ".sha256");
  }
}
