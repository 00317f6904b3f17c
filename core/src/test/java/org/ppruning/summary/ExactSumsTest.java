package org.ppruning.summary;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExactSumsTest {
  /** float32 values from subnormal to huge, as per-sample |activation| sums can be. */
  static List<Float> wideFloats(int n, long seed) {
    Random r = new Random(seed);
    List<Float> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          switch (i % 4) {
            case 0 -> r.nextFloat() * 1000;
            case 1 -> Math.scalb(r.nextFloat(), -140); // subnormal and tiny
            case 2 -> Math.scalb(r.nextFloat(), r.nextInt(100));
            default -> (float) Math.abs(r.nextGaussian());
          });
    }
    return out;
  }

  static BigInteger exact(List<Float> xs) {
    BigDecimal s = BigDecimal.ZERO;
    for (float x : xs) {
      s = s.add(new BigDecimal(x));
    }
    return s.multiply(new BigDecimal(BigInteger.TWO.pow(ExactSums.SCALE))).toBigIntegerExact();
  }

  @Test
  void sumsAreExactAndOrderIndependent() {
    List<Float> xs = wideFloats(2_000, 1);
    BigInteger want = exact(xs);
    double correctlyRounded =
        new BigDecimal(want)
            .divide(new BigDecimal(BigInteger.TWO.pow(ExactSums.SCALE)))
            .doubleValue();
    java.util.Set<Double> naive = new java.util.HashSet<>();
    for (long seed = 0; seed < 5; seed++) {
      List<Float> ys = new ArrayList<>(xs);
      Collections.shuffle(ys, new Random(seed));
      ExactSums s = new ExactSums(1);
      double d = 0;
      for (float y : ys) {
        s.addFloat(0, y);
        d += y;
      }
      assertEquals(want, s.value(0));
      assertEquals(correctlyRounded, s.toDouble(0));
      naive.add(d);
    }
    assertTrue(naive.size() > 1, "a double loop's sum depends on the order: " + naive);
  }

  @Test
  void toDoubleRoundsHalfToEven() {
    ExactSums s = new ExactSums(3);
    s.add(0, 1.0);
    s.add(0, 0x1p-53); // exactly half an ulp of 1: ties to even (1.0)
    s.add(1, 1.0 + 0x1p-52);
    s.add(1, 0x1p-53); // half an ulp above an odd significand: up
    s.add(2, 1.0);
    s.addFloat(2, 0x1p-149f); // just above nothing: stays 1.0, but the sum is not 1.0
    assertEquals(1.0, s.toDouble(0));
    assertEquals(1.0 + 0x1p-51, s.toDouble(1));
    assertEquals(1.0, s.toDouble(2));
    assertArrayEquals(new double[] {1.0, 0x1p-149}, s.terms(2));
  }

  @Test
  void termsAddUpExactlyAndRoundTrip() {
    List<Float> xs = wideFloats(500, 2);
    ExactSums s = new ExactSums(1);
    xs.forEach(x -> s.addFloat(0, x));
    double[] terms = s.terms(0);
    assertTrue(terms.length > 1, "a sum spanning 2^-149..2^100 needs more than one double");
    ExactSums back = new ExactSums(1);
    for (double t : terms) {
      back.add(0, t);
    }
    assertEquals(s.value(0), back.value(0));
    assertArrayEquals(terms, back.terms(0));
    ExactSums narrow = new ExactSums(1);
    for (int i = 0; i < 32; i++) {
      narrow.addFloat(0, 1.5f + i);
    }
    assertEquals(1, narrow.terms(0).length, "most sums are one double");
  }

  @Test
  void refusesWhatItCannotAddExactly() {
    ExactSums s = new ExactSums(1);
    var e = assertThrows(IllegalArgumentException.class, () -> s.add(0, 1e-300));
    assertTrue(e.getMessage().contains("not a multiple of 2^-149"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> s.addFloat(0, -1f));
    assertTrue(e.getMessage().contains("finite values >= 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> s.addFloat(0, Float.NaN));
    var a = assertThrows(ArithmeticException.class, () -> s.add(0, 0x1p200));
    assertTrue(a.getMessage().contains("exceeds the exact range"), a.getMessage());
    assertEquals(BigInteger.ZERO, s.value(0), "nothing was added");
  }

  @Test
  void rowsOfValuesGoToTheirUnitsAndABadValueIsNamed() {
    float[] row = {0.5f, 0x1p-149f, -0f, 0f, 3e38f, 1.25f, 7f, Float.NaN};
    ExactSums s = new ExactSums(3);
    assertEquals(
        -1, s.addFloats(row, 1, 6, 2, 0)); // units 0: [2^-149, -0], 1: [0, 3e38], 2: [1.25, 7]
    assertEquals(BigInteger.ONE, s.value(0));
    assertEquals(
        new BigDecimal(3e38f)
            .multiply(new BigDecimal(BigInteger.TWO.pow(ExactSums.SCALE)))
            .toBigIntegerExact(),
        s.value(1));
    assertEquals(8.25, s.toDouble(2));
    assertEquals(7, s.addFloats(row, 0, 8, 3, 0), "the NaN is column 7");
    assertEquals(1, new ExactSums(2).addFloats(new float[] {1f, -2f}, 0, 2, 1, 0));
  }

  @Test
  void carriesSurviveManyAdditions() {
    ExactSums s = new ExactSums(2);
    float big = Math.nextDown(Float.MAX_VALUE);
    for (int i = 0; i < 100_000; i++) {
      s.addFloat(0, big);
      s.addFloat(1, 0x1p-149f);
    }
    assertEquals(
        new BigDecimal(big)
            .multiply(BigDecimal.valueOf(100_000))
            .multiply(new BigDecimal(BigInteger.TWO.pow(ExactSums.SCALE)))
            .toBigIntegerExact(),
        s.value(0));
    assertEquals(BigInteger.valueOf(100_000), s.value(1));
  }
}
