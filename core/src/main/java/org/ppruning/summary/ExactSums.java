package org.ppruning.summary;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Exact sums of non-negative float32 values, one per unit. Double addition is not associative, so
 * salience summed in doubles would depend on the order summaries arrive in; here every sum is an
 * integer count of 2^-149 (the spacing of the smallest float32), held in 32-bit digits, and
 * addition is exact, so any order or grouping gives the same sum bit for bit. Rounding to a double
 * happens once, when the features are made.
 *
 * <p>Digits live in longs so that up to 2^30 additions can pile up before carries are propagated.
 * Ten digits hold sums below 2^171; a larger sum is an error, never wrapped.
 */
final class ExactSums {
  /** 32-bit digits per unit, least significant first. */
  static final int DIGITS = 10;

  /** Value of digit 0's lowest bit: 2^-SCALE. */
  static final int SCALE = 149;

  private static final long MASK = 0xffffffffL;

  /** An added value's highest bit must stay below this, so carries have a free top digit. */
  private static final int MAX_ADD_BITS = (DIGITS - 1) * 32;

  private final int units;
  private final long[] digits;
  private long unnormalised;

  ExactSums(int units) {
    this.units = units;
    this.digits = new long[units * DIGITS];
  }

  int units() {
    return units;
  }

  /** Adds a non-negative finite float to unit {@code unit}. */
  void addFloat(int unit, float v) {
    if (addFloats(new float[] {v}, 0, 1, 1, unit) >= 0) {
      throw new IllegalArgumentException("cannot add " + v + ": sums are of finite values >= 0");
    }
  }

  /**
   * Adds {@code values[from + c]} to unit {@code firstUnit + c / group} for every c below {@code
   * count}: the profiler's hot loop (a batch's per-sample sums), so it does per value only what a
   * float needs (a float's 24-bit mantissa shifted by at most 31 spans two digits, and no float
   * reaches the top digit).
   *
   * @return -1, or the first c whose value is negative, infinite or NaN; values before it were
   *     added (callers drop the whole sum then)
   */
  int addFloats(float[] values, int from, int count, int group, int firstUnit) {
    if (count >= 1 << 29) {
      throw new IllegalArgumentException("too many values in one call: " + count);
    }
    if (unnormalised + count >= 1L << 30) {
      normalise();
    }
    for (int c = 0; c < count; c++) {
      int bits = Float.floatToRawIntBits(values[from + c]);
      if (bits >= 0x7f800000 || (bits < 0 && bits != 0x80000000)) {
        return c;
      }
      int e = bits >>> 23; // the exponent field; 256 for -0
      if (bits == 0 || e == 256) {
        continue; // +0 and -0
      }
      long m = bits & 0x7fffff;
      int p = 0; // v = m * 2^p * 2^-149
      if (e != 0) {
        m |= 0x800000;
        p = e - 1;
      }
      long x = m << (p & 31);
      int at = (firstUnit + c / group) * DIGITS + (p >>> 5);
      digits[at] += x & MASK;
      digits[at + 1] += x >>> 32;
    }
    unnormalised += count;
    return -1;
  }

  /**
   * Adds a non-negative finite double that is a multiple of 2^-149 (every term this class writes is
   * one).
   */
  void add(int unit, double v) {
    long bits = Double.doubleToRawLongBits(v);
    if (bits == 0 || bits == Long.MIN_VALUE) {
      return;
    }
    if (bits < 0 || bits >= 0x7ff0000000000000L) {
      throw new IllegalArgumentException("cannot add " + v + ": sums are of finite values >= 0");
    }
    int e = (int) (bits >>> 52);
    long m = bits & 0xfffffffffffffL;
    if (e != 0) {
      m |= 1L << 52;
    }
    int p = (e == 0 ? 1 : e) - 1075 + SCALE; // v = m * 2^p * 2^-149
    if (p < 0) {
      if (-p >= 64 || (m & ((1L << -p) - 1)) != 0) {
        throw new IllegalArgumentException(
            "cannot add "
                + v
                + " exactly: not a multiple of"
                + " 2^-"
                + SCALE
                + " (not a sum of float32 values)");
      }
      m >>>= -p;
      p = 0;
    }
    addBits(unit, m, p);
  }

  /** Adds every unit of {@code o} to the same unit here. */
  void addAll(ExactSums o) {
    if (o.units != units) {
      throw new IllegalArgumentException("cannot add sums of " + o.units + " units to " + units);
    }
    if (o.unnormalised > 0) {
      o.normalise();
    }
    for (int i = 0; i < digits.length; i++) {
      digits[i] += o.digits[i]; // each below 2^32: one more addition per digit
    }
    if (++unnormalised >= 1L << 30) {
      normalise();
    }
  }

  /** Adds m * 2^(p - SCALE), m < 2^53. */
  private void addBits(int unit, long m, int p) {
    if (p + 64 - Long.numberOfLeadingZeros(m) > MAX_ADD_BITS) {
      throw new ArithmeticException(
          "value m * 2^"
              + (p - SCALE)
              + " exceeds the exact range"
              + " (below 2^"
              + (MAX_ADD_BITS - SCALE)
              + ")");
    }
    int base = unit * DIGITS + (p >>> 5);
    int s = p & 31;
    long rest = s == 0 ? m >>> 32 : m >>> (32 - s); // (m << s) >>> 32, at most 53 bits
    digits[base] += (m << s) & MASK;
    if (rest != 0) {
      digits[base + 1] += rest & MASK;
      digits[base + 2] += rest >>> 32;
    }
    if (++unnormalised >= 1L << 30) {
      normalise();
    }
  }

  /** Propagates carries so every digit is below 2^32. */
  private void normalise() {
    for (int u = 0; u < units; u++) {
      int base = u * DIGITS;
      for (int i = 0; i < DIGITS - 1; i++) {
        digits[base + i + 1] += digits[base + i] >>> 32;
        digits[base + i] &= MASK;
      }
      if (digits[base + DIGITS - 1] >>> 32 != 0) {
        throw new ArithmeticException(
            "sum of unit "
                + u
                + " reached 2^"
                + (DIGITS * 32 - SCALE)
                + ": beyond the exact range");
      }
    }
    unnormalised = 0;
  }

  /** Unit {@code unit}'s sum as an integer count of 2^-149. */
  BigInteger value(int unit) {
    if (unnormalised > 0) {
      normalise();
    }
    byte[] be = new byte[DIGITS * 4];
    for (int i = 0; i < DIGITS; i++) {
      long d = digits[unit * DIGITS + i];
      int at = (DIGITS - 1 - i) * 4;
      be[at] = (byte) (d >>> 24);
      be[at + 1] = (byte) (d >>> 16);
      be[at + 2] = (byte) (d >>> 8);
      be[at + 3] = (byte) d;
    }
    return new BigInteger(1, be);
  }

  /** Unit {@code unit}'s sum rounded to the nearest double (ties to even). */
  double toDouble(int unit) {
    BigInteger v = value(unit);
    int shift = v.bitLength() - 53;
    if (shift <= 0) {
      return Math.scalb((double) v.longValue(), -SCALE);
    }
    BigInteger top = v.shiftRight(shift);
    BigInteger rest = v.subtract(top.shiftLeft(shift));
    int c = rest.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
    long t = top.longValue();
    if (c > 0 || (c == 0 && (t & 1) == 1)) {
      t++; // at most 2^53: still exact in a double
    }
    return Math.scalb((double) t, shift - SCALE); // exact: every value here is a normal double
  }

  /**
   * Unit {@code unit}'s sum as doubles that add up to it exactly: the sum truncated to 53
   * significant bits, then the truncated remainder, and so on (largest first; none for 0).
   */
  double[] terms(int unit) {
    BigInteger v = value(unit);
    double[] out = new double[0];
    while (v.signum() > 0) {
      int shift = Math.max(0, v.bitLength() - 53);
      BigInteger top = v.shiftRight(shift);
      out = Arrays.copyOf(out, out.length + 1);
      out[out.length - 1] = Math.scalb((double) top.longValue(), shift - SCALE);
      v = v.subtract(top.shiftLeft(shift));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExactSums other) || other.units != units) {
      return false;
    }
    for (int u = 0; u < units; u++) {
      if (!value(u).equals(other.value(u))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return units;
  }
}
