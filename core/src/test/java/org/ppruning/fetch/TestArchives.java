package org.ppruning.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes the tiny tar, tgz and zip files the archive tests read. */
final class TestArchives {

  private TestArchives() {}

  /** A ustar archive; {@code type} '0' file, '5' folder, '2' symlink, 'x' PAX header. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar file(String name, byte[] data) {
      return entry(name, '0', data, "");
    }

    Tar file(String name, String text) {
      return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    Tar dir(String name) {
      return entry(name, '5', new byte[0], "");
    }

    /** A file whose long name travels in a PAX extended header. */
    Tar paxFile(String longName, String text) {
      int body = (" path=" + longName + "\n").getBytes(StandardCharsets.UTF_8).length;
      int digits = 1;
      while (String.valueOf(body + digits).length() != digits) {
        digits++;
      }
      String record = (body + digits) + " path=" + longName + "\n";
      entry("PaxHeaders/x", 'x', record.getBytes(StandardCharsets.UTF_8), "");
      return file("short-name", text);
    }

    /** A file whose name is split into ustar's prefix and name fields. */
    Tar prefixedFile(String prefix, String name, String text) {
      return entry(name, '0', text.getBytes(StandardCharsets.UTF_8), prefix);
    }

    Tar entry(String name, char type, byte[] data, String prefix) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, "0000644");
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, "00000000000");
      h[156] = (byte) type;
      if (type == '2') {
        put(h, 157, "/etc/passwd");
      }
      put(h, 257, "ustar");
      h[262] = 0;
      put(h, 263, "00");
      put(h, 345, prefix);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      h[154] = 0;
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
      return this;
    }

    byte[] bytes() {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(out.toByteArray());
      all.writeBytes(new byte[1024]);
      return all.toByteArray();
    }

    Path writeTgz(Path file) throws IOException {
      return writeGzip(file, bytes());
    }

    private static void put(byte[] h, int off, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, off, b.length);
    }
  }

  static byte[] writeGzipBytes(byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
      gz.write(data);
    }
    return b.toByteArray();
  }

  static Path writeGzip(Path file, byte[] data) throws IOException {
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
      o.write(data);
    }
    return file;
  }

  static byte[] zipBytes(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** outer.zip = {README, inner/model.zip = {assets/vocab.txt, variables/data.bin}}. */
  static Path writeNestedZip(Path file, byte[] bigData) throws IOException {
    Map<String, byte[]> inner = new LinkedHashMap<>();
    inner.put("assets/vocab.txt", "[PAD]\n[UNK]\nhello\n".getBytes(StandardCharsets.UTF_8));
    inner.put("variables/data.bin", bigData);
    Map<String, byte[]> outer = new LinkedHashMap<>();
    outer.put("README", "outer readme".getBytes(StandardCharsets.UTF_8));
    outer.put("inner/model.zip", zipBytes(inner));
    Files.write(file, zipBytes(outer));
    return file;
  }
}
