package org.ppruning.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader of (ustar, PAX and GNU long-name) tar streams, enough for npm packages. It
 * checks every header checksum and reports a stream that ends inside an entry, so a truncated or
 * corrupt archive fails loudly instead of yielding a partial file list.
 */
final class TarReader {

  /** Entry types this reader hands out; links and devices are reported as errors by the caller. */
  record Entry(String name, char type, long size) {
    boolean isFile() {
      return type == '0' || type == '\0' || type == '7';
    }

    boolean isDirectory() {
      return type == '5';
    }
  }

  private static final int BLOCK = 512;

  private final InputStream in;
  private long offset;

  /** Bytes of the current entry not yet read, and the padding after them. */
  private long remaining;

  private long padding;
  private String currentName = "";

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null after the end-of-archive block. */
  Entry next() throws IOException {
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
    String longName = null;
    while (true) {
      byte[] h = new byte[BLOCK];
      long headerAt = offset;
      int n = readUpTo(h);
      if (n == 0 && longName == null) {
        // Some writers omit the two zero blocks; a clean end at a block boundary is still an end.
        return null;
      }
      if (n < BLOCK) {
        throw new EOFException("tar stream ends inside a header at byte " + headerAt);
      }
      if (isZero(h)) {
        return null;
      }
      checkHeaderChecksum(h, headerAt);
      char type = (char) h[156];
      long size = parseNumber(h, 124, 12, headerAt);
      String name = longName != null ? longName : headerName(h);
      if (type == 'x' || type == 'L') {
        byte[] data = readEntryData(size, name);
        longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data, name, longName);
        continue;
      }
      if (type == 'g') {
        readEntryData(size, "global PAX header"); // global defaults carry no file names
        continue;
      }
      currentName = name;
      remaining = size;
      padding = pad(size);
      return new Entry(name, type, size);
    }
  }

  /** The current entry's bytes; reading past them returns -1. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException(
              "tar stream ends inside '" + currentName + "' with " + remaining + " bytes missing");
        }
        remaining -= n;
        offset += n;
        return n;
      }
    };
  }

  private byte[] readEntryData(long size, String what) throws IOException {
    if (size > 1 << 20) {
      throw new IOException("tar header for '" + what + "' is " + size + " bytes long");
    }
    byte[] data = new byte[(int) size];
    int got = 0;
    while (got < data.length) {
      int n = in.read(data, got, data.length - got);
      if (n < 0) {
        throw new EOFException("tar stream ends inside the header of '" + what + "'");
      }
      got += n;
    }
    offset += size;
    skip(pad(size));
    return data;
  }

  private String headerName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  /** The {@code path} record of a PAX extended header, or {@code fallback} if it has none. */
  private String paxPath(byte[] data, String where, String fallback) throws IOException {
    String path = fallback;
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("malformed PAX header '" + where + "'");
      }
      if (len <= space - pos || pos + len > data.length) {
        throw new IOException("malformed PAX record length " + len + " in '" + where + "'");
      }
      String record = new String(data, space + 1, pos + len - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0 && record.substring(0, eq).equals("path")) {
        path = record.substring(eq + 1);
      }
      pos += len;
    }
    return path;
  }

  private void checkHeaderChecksum(byte[] h, long at) throws IOException {
    long stored = parseNumber(h, 148, 8, at);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (sum != stored) {
      throw new IOException(
          "corrupt tar header at byte " + at + " (checksum " + stored + ", computed " + sum + ")");
    }
  }

  /** Octal, or GNU base-256 when the first byte's top bit is set. */
  private long parseNumber(byte[] h, int off, int len, long at) throws IOException {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x7f;
      for (int i = off + 1; i < off + len; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    }
    String s = cString(h, off, len).trim();
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException("corrupt tar header at byte " + at + " (number '" + s + "')");
    }
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static long pad(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private int readUpTo(byte[] b) throws IOException {
    int got = 0;
    while (got < b.length) {
      int n = in.read(b, got, b.length - got);
      if (n < 0) {
        break;
      }
      got += n;
    }
    offset += got;
    return got;
  }

  private void skip(long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException(
            "tar stream ends inside '" + currentName + "' with " + n + " bytes missing");
      }
      n -= r;
      offset += r;
    }
  }
}
