package org.ppruning.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Debian packages: an ar archive with debian-binary, control.tar.* and data.tar.{xz,gz}. */
class DebArchivesTest {
  @TempDir Path tmp;

  static byte[] dataTar() {
    return new TestArchives.Tar()
        .dir("./")
        .dir("./usr/")
        .dir("./usr/share/")
        .file("./usr/share/a.txt", "alpha\n")
        .file("./usr/share/b/c.bin", new byte[1001])
        .bytes();
  }

  static byte[] xz(byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (XZOutputStream out = new XZOutputStream(b, new LZMA2Options())) {
      out.write(data);
    }
    return b.toByteArray();
  }

  /** An ar archive as dpkg-deb writes it (odd-sized members padded with a newline). */
  static byte[] ar(String[] names, byte[][] members) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < names.length; i++) {
      String h =
          String.format(
              "%-16s%-12s%-6s%-6s%-8s%-10s`\n",
              names[i], "0", "0", "0", "100644", members[i].length);
      out.writeBytes(h.getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(members[i]);
      if (members[i].length % 2 == 1) {
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  static Path writeDeb(Path file, String dataName, byte[] data) throws IOException {
    byte[] control =
        TestArchives.writeGzipBytes(
            new TestArchives.Tar().file("./control", "Package: x\n").bytes());
    return Files.write(
        file,
        ar(
            new String[] {"debian-binary", "control.tar.gz", dataName},
            new byte[][] {"2.0\n".getBytes(StandardCharsets.US_ASCII), control, data}));
  }

  @Test
  void unpacksDataTarXzWithItsPaths() throws IOException {
    Path deb = writeDeb(tmp.resolve("x_1.0-1_all.deb"), "data.tar.xz", xz(dataTar()));
    Path dest = tmp.resolve("out");

    Archives.extractDeb(deb, dest);

    assertEquals("alpha\n", Files.readString(dest.resolve("usr/share/a.txt")));
    assertEquals(1001, Files.size(dest.resolve("usr/share/b/c.bin")));
    assertFalse(Files.exists(dest.resolve("control")), "control files are not unpacked");
  }

  @Test
  void unpacksDataTarGz() throws IOException {
    Path deb =
        writeDeb(tmp.resolve("x.deb"), "data.tar.gz/", TestArchives.writeGzipBytes(dataTar()));
    Archives.extractDeb(deb, tmp.resolve("out"));
    assertEquals("alpha\n", Files.readString(tmp.resolve("out/usr/share/a.txt")));
  }

  @Test
  void refusesZstdTruncationAndNonArchives() throws IOException {
    Path zst = writeDeb(tmp.resolve("z.deb"), "data.tar.zst", new byte[] {1, 2, 3});
    IOException e =
        assertThrows(IOException.class, () -> Archives.extractDeb(zst, tmp.resolve("o1")));
    assertTrue(
        e.getMessage().contains("data.tar.zst") && e.getMessage().contains("only .xz"),
        e.getMessage());

    byte[] full = Files.readAllBytes(writeDeb(tmp.resolve("t.deb"), "data.tar.xz", xz(dataTar())));
    Path cut = Files.write(tmp.resolve("cut.deb"), Arrays.copyOf(full, full.length - 40));
    e = assertThrows(IOException.class, () -> Archives.extractDeb(cut, tmp.resolve("o2")));
    assertTrue(e.getMessage().startsWith("cannot unpack " + cut), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("o2")), "nothing published");

    Path txt = Files.writeString(tmp.resolve("n.deb"), "hello");
    e = assertThrows(IOException.class, () -> Archives.extractDeb(txt, tmp.resolve("o3")));
    assertTrue(e.getMessage().contains("not an ar archive"), e.getMessage());
  }

  @Test
  void cacheUnpacksOnceAndRefusesBadCoordinates() throws IOException {
    ArtifactCache cache = new ArtifactCache(tmp.resolve("cache"), tmp.resolve("repo"));
    Path deb = writeDeb(tmp.resolve("x_1.0-1_all.deb"), "data.tar.xz", xz(dataTar()));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    java.io.PrintStream p = new java.io.PrintStream(log, true, StandardCharsets.UTF_8);

    Path dir = cache.unpackDeb(deb, p);
    assertEquals(tmp.resolve("cache/unpacked/x_1.0-1_all"), dir);
    assertEquals(dir, cache.unpackDeb(deb, p));
    assertEquals(1, log.toString(StandardCharsets.UTF_8).split("unpacking ", -1).length - 1);

    for (String bad :
        new String[] {"sword-text-kjv", "sword-text-kjv=", "=1.0", "Bad=1.0", "x=latest"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> cache.debian(bad, 1, null, p), bad);
      assertTrue(e.getMessage().contains("NAME=EXACT_VERSION"), e.getMessage());
    }
  }
}
