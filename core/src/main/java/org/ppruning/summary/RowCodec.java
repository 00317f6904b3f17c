package org.ppruning.summary;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ppruning.summary.proto.RowEncoding;

/** Token-row values to and from bytes: float32 or float16, little-endian. */
final class RowCodec {
  /** The largest float that rounds to a finite float16 (65504 + half an ulp, exclusive). */
  private static final float HALF_OVERFLOW = 65520f;

  private RowCodec() {}

  static int bytesPerValue(RowEncoding e) {
    return switch (e) {
      case ROW_ENCODING_FLOAT32 -> 4;
      case ROW_ENCODING_FLOAT16 -> 2;
      default -> throw new IllegalArgumentException("row encoding " + e + " is not supported");
    };
  }

  /**
   * Encodes {@code values}; {@code what} names the row in errors (a non-finite value, or one beyond
   * float16's range when encoding float16).
   */
  static ByteString encode(float[] values, RowEncoding e, String what) {
    ByteBuffer b =
        ByteBuffer.allocate(values.length * bytesPerValue(e)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(what + ": value " + i + " is " + v);
      }
      if (e == RowEncoding.ROW_ENCODING_FLOAT32) {
        b.putFloat(v);
      } else {
        if (Math.abs(v) >= HALF_OVERFLOW) {
          throw new IllegalArgumentException(
              what
                  + ": value "
                  + i
                  + " = "
                  + v
                  + " is beyond float16's range (|x| < 65520); use float32 rows");
        }
        b.putShort(toHalf(v));
      }
    }
    return ByteString.copyFrom(b.flip());
  }

  /** Decodes {@code n} values; {@code what} names the row in errors. */
  static float[] decode(ByteString bytes, RowEncoding e, int n, String what) {
    int width = bytesPerValue(e);
    if (bytes.size() != (long) n * width) {
      throw new IllegalArgumentException(
          what
              + " holds "
              + bytes.size()
              + " bytes, expected "
              + n
              + " values x "
              + width
              + " bytes = "
              + (long) n * width);
    }
    ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = width == 4 ? b.getFloat() : fromHalf(b.getShort());
      if (!Float.isFinite(out[i])) {
        throw new IllegalArgumentException(what + ": value " + i + " is " + out[i]);
      }
    }
    return out;
  }

  /** Rounds a finite float with |v| < 65520 to the nearest float16 (ties to even). */
  static short toHalf(float v) {
    int bits = Float.floatToRawIntBits(v);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    int e = abs >>> 23;
    int m = (abs & 0x7fffff) | (e == 0 ? 0 : 0x800000); // 24-bit significand
    if (e >= 113) { // |v| >= 2^-14: a normal float16
      int h = ((e - 112) << 10) | ((m >>> 13) & 0x3ff);
      int rest = m & 0x1fff;
      if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
        h++; // a carry into the exponent is still the right rounding
      }
      return (short) (sign | h);
    }
    // float16 subnormal or zero: v = m * 2^(e - 150) = (m >> (126 - e)) units of 2^-24
    int shift = 126 - e;
    if (e == 0 || shift >= 25) {
      return (short) sign; // below 2^-25: rounds to zero
    }
    int h = m >>> shift;
    int rest = m & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rest > half || (rest == half && (h & 1) == 1)) {
      h++;
    }
    return (short) (sign | h);
  }

  /** The float16 {@code h} as a float (exact). */
  static float fromHalf(short h) {
    int sign = (h & 0x8000) << 16;
    int e = (h >>> 10) & 0x1f;
    int m = h & 0x3ff;
    if (e == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (m << 13));
    }
    if (e == 0) {
      float v = m * 0x1p-24f; // exact: m < 2^10
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((e + 112) << 23) | (m << 13));
  }
}
