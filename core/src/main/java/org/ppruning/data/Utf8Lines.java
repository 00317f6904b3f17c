package org.ppruning.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lines of a UTF-8 file, decoded one line at a time so that a malformed byte is reported on the
 * line that holds it ({@link java.io.BufferedReader} decodes ahead and reports an earlier line).
 * Lines end at {@code \n}; a {@code \r} before it is dropped.
 */
final class Utf8Lines implements Closeable {
  private final Path file;
  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private int number;

  Utf8Lines(Path file) throws IOException {
    this.file = file;
    this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
  }

  /** The 1-based number of the line {@link #next} returned last. */
  int number() {
    return number;
  }

  /** The next line, or null at the end of the file. */
  String next() throws IOException {
    line.reset();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.write(b);
    }
    if (b < 0 && line.size() == 0) {
      return null;
    }
    number++;
    byte[] bytes = line.toByteArray();
    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    try {
      return decoder.decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + " line " + number + ": not UTF-8 (" + e + ")", e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
