package org.ppruning.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Train, dev and test parts of a dataset, and the one rule that assigns built-in data to them.
 *
 * <p>{@link #of(String)}: take the SHA-256 of the key's UTF-8 bytes, read its first 8 bytes as a
 * big-endian unsigned number, and take it modulo 100: 0-79 is {@link #TRAIN}, 80-89 {@link #DEV},
 * 90-99 {@link #TEST}. A sample's split depends on its key alone, so adding or removing other data
 * never moves it, and any other program can reproduce the assignment.
 */
public enum Split {
  TRAIN("train"),
  DEV("dev"),
  TEST("test");

  private final String id;

  Split(String id) {
    this.id = id;
  }

  /** {@code train}, {@code dev} or {@code test}. */
  public String id() {
    return id;
  }

  /** The split of a key (see the class comment): about 80% train, 10% dev, 10% test. */
  public static Split of(String key) {
    int bucket = bucket(key);
    return bucket < 80 ? TRAIN : bucket < 90 ? DEV : TEST;
  }

  /** The key's bucket 0..99: the first 8 bytes of its SHA-256, unsigned, modulo 100. */
  static int bucket(String key) {
    byte[] h;
    try {
      h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return (int) Long.remainderUnsigned(v, 100);
  }

  /** The split named {@code train}, {@code dev} or {@code test}. */
  public static Split parse(String id) {
    for (Split s : values()) {
      if (s.id.equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown split '" + id + "'; expected train, dev or test");
  }
}
