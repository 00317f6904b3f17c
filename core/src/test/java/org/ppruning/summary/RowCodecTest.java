package org.ppruning.summary;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.ppruning.summary.proto.RowEncoding;

class RowCodecTest {
  @Test
  void everyFiniteHalfRoundTrips() {
    for (int h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) == 0x7c00) {
        continue; // infinities and NaNs
      }
      float f = RowCodec.fromHalf((short) h);
      assertEquals((short) h, RowCodec.toHalf(f), "half 0x" + Integer.toHexString(h));
    }
    assertEquals(65504f, RowCodec.fromHalf((short) 0x7bff));
    assertEquals(0x1p-24f, RowCodec.fromHalf((short) 1));
  }

  @Test
  void roundsToNearestTiesToEven() {
    float ulp = 0x1p-10f; // float16 spacing in [1, 2)
    assertEquals(1f, half(1f + ulp / 2)); // tie, 1.0 is even
    assertEquals(1f + 2 * ulp, half(1f + 3 * ulp / 2)); // tie, goes to the even neighbour
    assertEquals(1f + ulp, half(1f + ulp / 2 + 0x1p-20f));
    assertEquals(65504f, half(65519f));
    assertEquals(0f, half(0x1p-25f)); // tie between 0 and the smallest subnormal
    assertEquals(0x1p-24f, half(0x1.8p-25f));
    assertEquals(2 * 0x1p-24f, half(2.5f * 0x1p-24f)); // subnormal tie: to the even 2
    assertEquals(-2f, half(-2f));
  }

  @Test
  void refusesValuesFloat16CannotHoldAndNamesThem() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RowCodec.encode(
                    new float[] {1, 65520f},
                    RowEncoding.ROW_ENCODING_FLOAT16,
                    "token 'a' position 3"));
    assertEquals(
        "token 'a' position 3: value 1 = 65520.0 is beyond float16's range"
            + " (|x| < 65520); use float32 rows",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RowCodec.encode(
                    new float[] {Float.NaN},
                    RowEncoding.ROW_ENCODING_FLOAT32,
                    "token 'b' position 0"));
    assertEquals("token 'b' position 0: value 0 is NaN", e.getMessage());
    var bytes = RowCodec.encode(new float[] {1, 2, 3}, RowEncoding.ROW_ENCODING_FLOAT32, "r");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RowCodec.decode(bytes, RowEncoding.ROW_ENCODING_FLOAT32, 4, "row x"));
    assertEquals("row x holds 12 bytes, expected 4 values x 4 bytes = 16", e.getMessage());
  }

  @Test
  void float32IsExact() {
    float[] v = {0f, -0f, Float.MIN_VALUE, 1.1f, -3e38f};
    float[] back =
        RowCodec.decode(
            RowCodec.encode(v, RowEncoding.ROW_ENCODING_FLOAT32, "r"),
            RowEncoding.ROW_ENCODING_FLOAT32,
            v.length,
            "r");
    assertArrayEquals(v, back);
  }

  static float half(float f) {
    return RowCodec.fromHalf(RowCodec.toHalf(f));
  }
}
