package org.ppruning.summary;

import org.ppruning.features.TokenSampler;
import org.ppruning.summary.proto.TokenKey;

/** A token's identity and sampling hash, ordered as {@link TokenSampler#compare} orders them. */
record Key(long hash, String sampleId, int position) implements Comparable<Key> {

  static Key of(String sampleId, int position, long seed) {
    return new Key(TokenSampler.hash(sampleId, position, seed), sampleId, position);
  }

  /**
   * Reads a key and checks its hash against {@code seed}; {@code what} names the message in errors.
   */
  static Key from(TokenKey k, long seed, String what) {
    if (k.getPosition() < 0) {
      throw new IllegalArgumentException(
          what
              + ": token position "
              + k.getPosition()
              + " of sample '"
              + k.getSampleId()
              + "' is out of range");
    }
    Key key = of(k.getSampleId(), k.getPosition(), seed);
    if (key.hash != k.getHash()) {
      throw new IllegalArgumentException(
          what
              + ": token "
              + key
              + " carries hash "
              + Long.toUnsignedString(k.getHash())
              + ", but seed "
              + seed
              + " gives "
              + Long.toUnsignedString(key.hash));
    }
    return key;
  }

  TokenKey toProto() {
    return TokenKey.newBuilder().setSampleId(sampleId).setPosition(position).setHash(hash).build();
  }

  @Override
  public int compareTo(Key o) {
    return TokenSampler.compare(hash, sampleId, position, o.hash, o.sampleId, o.position);
  }

  /** Whether a <= b, where null is the largest key. */
  static boolean atMost(Key a, Key b) {
    return b == null || (a != null && a.compareTo(b) <= 0);
  }

  /** The smaller of two keys, null being the largest. */
  static Key min(Key a, Key b) {
    return atMost(a, b) ? a : b;
  }

  @Override
  public String toString() {
    return "'" + sampleId + "' position " + position;
  }
}
