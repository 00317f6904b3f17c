package org.ppruning.importer.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.FloatTensor;

class SafetensorsFileTest {

  @TempDir Path dir;

  @Test
  void writtenFloat32TensorsAndMetadataReadBackBitExact() throws IOException {
    Random rnd = new Random(1);
    FloatTensor a = random(rnd, 3, 5);
    FloatTensor b = random(rnd, 7);
    FloatTensor scalar = new FloatTensor(new long[0], new float[] {-2.5f});
    FloatTensor empty = FloatTensor.zeros(0, 4);
    Path file = dir.resolve("t.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .metadata("note", "héllo")
        .put("a", a)
        .put("b", b)
        .put("scalar", scalar)
        .put("empty", empty)
        .write(file);

    // 8-byte length + padded header + 4 bytes per value
    long header = Files.size(file) - 8 - 4L * (15 + 7 + 1);
    assertEquals(0, header % 8, "header padded to a multiple of 8");

    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(Map.of("format", "pt", "note", "héllo"), f.metadata());
      assertEquals(List.of("a", "b", "scalar", "empty"), f.names());
      assertEquals(Dtype.F32, f.info("a").dtype());
      assertEquals(0, f.info("a").begin());
      assertEquals(60, f.info("a").end());
      assertEquals(a, f.read("a"));
      assertEquals(b, f.read("b"));
      assertEquals(scalar, f.read("scalar"));
      assertEquals(empty, f.read("empty"));
      assertEquals(4L * 23, f.dataSize());
    }
    assertTrue(Files.notExists(dir.resolve("t.safetensors.tmp")), "temporary file removed");
  }

  @Test
  void everyFloat16BitPatternConvertsExactly() {
    for (int h = 0; h < 1 << 16; h++) {
      int sign = h >>> 15;
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      float got = SafetensorsFile.halfToFloat(h);
      if (exp == 0x1f) {
        assertEquals(mant == 0, Float.isInfinite(got), "bits 0x" + Integer.toHexString(h));
        assertEquals(mant != 0, Float.isNaN(got), "bits 0x" + Integer.toHexString(h));
        continue;
      }
      // IEEE binary16 in double arithmetic (exact for every value)
      double magnitude =
          exp == 0 ? mant * Math.pow(2, -24) : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
      double want = sign == 1 ? -magnitude : magnitude;
      assertEquals(
          Float.floatToIntBits((float) want),
          Float.floatToIntBits(got),
          "bits 0x" + Integer.toHexString(h));
      assertEquals(want, got, 0.0);
    }
  }

  @Test
  void float16AndBfloat16TensorsReadAsExactFloat32() throws IOException {
    short[] half = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, (short) 0x8000, 0x3555};
    float[] halfWant = {
      1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, Float.POSITIVE_INFINITY, -0f, 0.333251953125f
    };
    short[] bf = {0x3F80, (short) 0xC040, 0x7F7F, 0x0001, 0x3EAB, (short) 0xFF80};
    float[] bfWant = {
      1f,
      -3f,
      Float.intBitsToFloat(0x7F7F0000),
      Float.intBitsToFloat(0x00010000),
      Float.intBitsToFloat(0x3EAB0000),
      Float.NEGATIVE_INFINITY
    };
    Path file = dir.resolve("half.safetensors");
    new SafetensorsWriter()
        .putRaw("h", Dtype.F16, new long[] {2, 4}, shorts(half))
        .putRaw("bf", Dtype.BF16, new long[] {6}, shorts(bf))
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      FloatTensor h = f.read("h");
      assertArrayEquals(new long[] {2, 4}, h.shape());
      for (int i = 0; i < halfWant.length; i++) {
        assertEquals(
            Float.floatToIntBits(halfWant[i]),
            Float.floatToIntBits(h.data()[i]),
            "f16 element " + i);
      }
      FloatTensor b = f.read("bf");
      for (int i = 0; i < bfWant.length; i++) {
        assertEquals(
            Float.floatToIntBits(bfWant[i]),
            Float.floatToIntBits(b.data()[i]),
            "bf16 element " + i);
      }
      assertEquals(0.333984375f, b.data()[4]); // 0x3EAB: 1/3 rounded to bf16
    }
  }

  @Test
  void nonFloatDtypeOpensButIsRefusedByNameOnRead() throws IOException {
    Path file = dir.resolve("ids.safetensors");
    new SafetensorsWriter()
        .putRaw("position_ids", Dtype.I64, new long[] {1, 3}, new byte[24])
        .put("w", FloatTensor.zeros(2))
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(Dtype.I64, f.info("position_ids").dtype());
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.read("position_ids"));
      assertContains(e, "ids.safetensors", "'position_ids'", "I64");
      assertContains(
          assertThrows(IllegalArgumentException.class, () -> f.read("nope")),
          "ids.safetensors",
          "'nope'");
    }
  }

  @Test
  void unknownDtypeIsRefusedAtOpen() throws IOException {
    Path file =
        raw(
            "u.safetensors",
            "{\"x\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,2]}}",
            new byte[2]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(file)),
        "u.safetensors",
        "'x'",
        "'Q7'");
  }

  @Test
  void headerLengthBeyondTheFileIsRefused() throws IOException {
    Path file = dir.resolve("len.safetensors");
    ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(500);
    Files.write(file, b.array());
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(file)),
        "len.safetensors",
        "header length 500",
        "10 bytes");

    Path huge = dir.resolve("huge.safetensors");
    ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    h.putLong(-1L); // 2^64 - 1 unsigned
    Files.write(huge, h.array());
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(huge)),
        "huge.safetensors",
        "18446744073709551615");

    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[5]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(tiny)),
        "tiny.safetensors",
        "5 bytes");
  }

  @Test
  void truncatedFileIsRefusedNamingTheTensorThatRunsPastTheEnd() throws IOException {
    Path file = dir.resolve("full.safetensors");
    new SafetensorsWriter()
        .put("first", FloatTensor.zeros(4))
        .put("second", FloatTensor.zeros(8))
        .write(file);
    byte[] all = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.safetensors");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 5));
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(cut)),
        "cut.safetensors",
        "'second'",
        "[16, 48]",
        "43 bytes",
        "truncated");
  }

  @Test
  void offsetsInconsistentWithShapeAreRefused() throws IOException {
    Path file =
        raw(
            "s.safetensors",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
            new byte[20]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(file)),
        "s.safetensors",
        "'w'",
        "20 bytes",
        "[2, 3]",
        "need 24");
  }

  @Test
  void overlappingGappedReversedAndTrailingOffsetsAreRefused() throws IOException {
    Path overlap =
        raw(
            "o.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(overlap)),
        "o.safetensors",
        "'b'",
        "overlap",
        "'a'");

    Path gap =
        raw(
            "g.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(gap)),
        "g.safetensors",
        "4 unused bytes",
        "'b'");

    Path reversed =
        raw(
            "r.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}",
            new byte[8]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(reversed)),
        "r.safetensors",
        "'a'",
        "[8, 4]",
        "out of order");

    Path trailing =
        raw(
            "t.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            new byte[7]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(trailing)),
        "t.safetensors",
        "3 trailing bytes");
  }

  @Test
  void tensorsListedOutOfDataOrderInTheHeaderAreAccepted() throws IOException {
    // JSON objects are unordered: the reference reader sorts entries by offset.
    ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    data.putFloat(1f).putFloat(2f).putFloat(3f);
    Path file =
        raw(
            "ord.safetensors",
            "{\"late\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"early\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            data.array());
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[] {2f, 3f}, f.read("late").data());
      assertArrayEquals(new float[] {1f}, f.read("early").data());
    }
  }

  @Test
  void malformedHeadersAreRefused() throws IOException {
    Path notJson = raw("j.safetensors", "{\"a\": [", new byte[0]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(notJson)),
        "j.safetensors",
        "not valid JSON");
    Path dup =
        raw(
            "d.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            new byte[4]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(dup)), "d.safetensors", "'a'");
    Path trailing = raw("x.safetensors", "{} {}", new byte[0]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(trailing)),
        "x.safetensors",
        "not valid JSON");
    Path noBrace = raw("n.safetensors", "[]", new byte[0]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(noBrace)),
        "n.safetensors",
        "'{'");
    Path badShape =
        raw(
            "b.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
            new byte[4]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(badShape)),
        "b.safetensors",
        "'a'",
        "shape");
    Path badMeta = raw("m.safetensors", "{\"__metadata__\":{\"n\":3}}", new byte[0]);
    assertContains(
        assertThrows(IOException.class, () -> SafetensorsFile.open(badMeta)),
        "m.safetensors",
        "'n'",
        "string");
  }

  @Test
  void writerRefusesWrongRawSizesAndDuplicateNames() {
    SafetensorsWriter w = new SafetensorsWriter().put("a", FloatTensor.zeros(2));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> w.put("a", FloatTensor.zeros(2))),
        "'a'",
        "twice");
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> w.putRaw("b", Dtype.F16, new long[] {3}, new byte[4])),
        "'b'",
        "4 bytes",
        "need 6");
    assertThrows(
        IllegalArgumentException.class,
        () -> w.put(SafetensorsFile.METADATA_KEY, FloatTensor.zeros(1)));
  }

  // ---- helpers ----

  /** A file with the given header text (padded to 8 bytes) followed by {@code data}. */
  private Path raw(String name, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(padded).put(h);
    for (int i = h.length; i < padded; i++) {
      b.put((byte) ' ');
    }
    b.put(data);
    Path file = dir.resolve(name);
    Files.write(file, b.array());
    return file;
  }

  static byte[] shorts(short[] values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (short v : values) {
      b.putShort(v);
    }
    return b.array();
  }

  static FloatTensor random(Random rnd, long... shape) {
    FloatTensor z = FloatTensor.zeros(shape);
    float[] d = z.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) rnd.nextGaussian();
    }
    return z;
  }

  static void assertContains(Throwable e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
    }
  }
}
