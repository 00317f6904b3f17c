package org.ppruning.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {

  @TempDir Path tmp;

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Names in {@code dir}, to check that failed unpacks leave no temporary folders behind. */
  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void tgzUnpacksFilesFoldersPrefixAndPaxNames() throws IOException {
    byte[] big = randomBytes(1300, 1); // spans three 512-byte blocks
    String longName = "package/" + "d".repeat(120) + "/long.txt";
    Path tgz =
        new TestArchives.Tar()
            .dir("package/")
            .file("package/a.txt", "hello")
            .file("package/sub/b.bin", big)
            .paxFile(longName, "pax")
            .prefixedFile("package/pre", "fix.txt", "prefixed")
            .writeTgz(tmp.resolve("t.tgz"));

    Path dest = tmp.resolve("out");
    Archives.extractTgz(tgz, dest);

    assertEquals("hello", Files.readString(dest.resolve("package/a.txt")));
    assertArrayEquals(big, Files.readAllBytes(dest.resolve("package/sub/b.bin")));
    assertEquals("pax", Files.readString(dest.resolve(longName)));
    assertFalse(Files.exists(dest.resolve("short-name")));
    assertEquals("prefixed", Files.readString(dest.resolve("package/pre/fix.txt")));
    assertEquals(List.of("out", "t.tgz"), listing(tmp));
  }

  @Test
  void truncatedGzipFailsNamingTheFileAndLeavesNothing() throws IOException {
    Path good =
        new TestArchives.Tar()
            .file("package/b.bin", randomBytes(5000, 2))
            .writeTgz(tmp.resolve("good.tgz"));
    byte[] all = Files.readAllBytes(good);
    Path cut = Files.write(tmp.resolve("cut.tgz"), Arrays.copyOf(all, all.length / 2));

    IOException e =
        assertThrows(IOException.class, () -> Archives.extractTgz(cut, tmp.resolve("out")));
    assertTrue(e.getMessage().contains("cut.tgz"), e.getMessage());
    assertEquals(List.of("cut.tgz", "good.tgz"), listing(tmp));
  }

  @Test
  void tarEndingInsideAnEntryFails() throws IOException {
    byte[] tar = new TestArchives.Tar().file("package/b.bin", randomBytes(2000, 3)).bytes();
    Path tgz = TestArchives.writeGzip(tmp.resolve("short.tgz"), Arrays.copyOf(tar, 512 + 1000));

    IOException e =
        assertThrows(IOException.class, () -> Archives.extractTgz(tgz, tmp.resolve("out")));
    assertTrue(e.getMessage().contains("ends inside 'package/b.bin'"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void corruptHeaderChecksumFails() throws IOException {
    byte[] tar = new TestArchives.Tar().file("package/a.txt", "hello").bytes();
    tar[0] = 'q'; // name changes, stored checksum does not
    Path tgz = TestArchives.writeGzip(tmp.resolve("bad.tgz"), tar);

    IOException e =
        assertThrows(IOException.class, () -> Archives.extractTgz(tgz, tmp.resolve("out")));
    assertTrue(e.getMessage().contains("corrupt tar header at byte 0"), e.getMessage());
  }

  @Test
  void entriesEscapingTheDestinationOrLinksAreRefused() throws IOException {
    Path evil =
        new TestArchives.Tar()
            .file("package/ok.txt", "ok")
            .file("../evil.txt", "x")
            .writeTgz(tmp.resolve("evil.tgz"));
    IOException e =
        assertThrows(IOException.class, () -> Archives.extractTgz(evil, tmp.resolve("out")));
    assertTrue(e.getMessage().contains("'../evil.txt' would be written outside"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("evil.txt")));

    Path link =
        new TestArchives.Tar()
            .entry("package/passwd", '2', new byte[0], "")
            .writeTgz(tmp.resolve("link.tgz"));
    e = assertThrows(IOException.class, () -> Archives.extractTgz(link, tmp.resolve("out")));
    assertTrue(e.getMessage().contains("'package/passwd' is of tar type '2'"), e.getMessage());
    assertEquals(List.of("evil.tgz", "link.tgz"), listing(tmp));
  }

  @Test
  void existingDestinationIsRefused() throws IOException {
    Path tgz = new TestArchives.Tar().file("a", "b").writeTgz(tmp.resolve("t.tgz"));
    Files.createDirectory(tmp.resolve("out"));
    assertThrows(
        FileAlreadyExistsException.class, () -> Archives.extractTgz(tgz, tmp.resolve("out")));
  }

  @Test
  void oneEntryIsCopiedOutOfANestedZip() throws IOException {
    Path zip = TestArchives.writeNestedZip(tmp.resolve("outer.jar"), randomBytes(70_000, 4));

    Path vocab =
        Archives.extractZipEntry(
            zip, List.of("inner/model.zip", "assets/vocab.txt"), tmp.resolve("v/vocab.txt"));

    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(vocab, StandardCharsets.UTF_8));
    assertEquals(
        "outer readme",
        Files.readString(Archives.extractZipEntry(zip, List.of("README"), tmp.resolve("README"))));
  }

  @Test
  void missingNestedEntryIsNamed() throws IOException {
    Path zip = TestArchives.writeNestedZip(tmp.resolve("outer.jar"), new byte[10]);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                Archives.extractZipEntry(
                    zip, List.of("inner/model.zip", "assets/nope.txt"), tmp.resolve("x")));
    assertTrue(
        e.getMessage().contains("outer.jar!/inner/model.zip has no file entry 'assets/nope.txt'"),
        e.getMessage());
    e =
        assertThrows(
            IOException.class,
            () -> Archives.extractZipEntry(zip, List.of("nope.zip", "a"), tmp.resolve("x")));
    assertTrue(e.getMessage().contains("outer.jar has no file entry 'nope.zip'"), e.getMessage());
  }

  @Test
  void wholeNestedZipIsUnpacked() throws IOException {
    byte[] big = randomBytes(70_000, 5);
    Path zip = TestArchives.writeNestedZip(tmp.resolve("outer.jar"), big);

    Path dest = tmp.resolve("model");
    Archives.extractZip(zip, List.of("inner/model.zip"), dest);

    assertArrayEquals(big, Files.readAllBytes(dest.resolve("variables/data.bin")));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(dest.resolve("assets/vocab.txt")));
    assertEquals(List.of("model", "outer.jar"), listing(tmp));
  }

  @Test
  void truncatedZipFailsNamingTheFile() throws IOException {
    Path zip = TestArchives.writeNestedZip(tmp.resolve("outer.jar"), randomBytes(70_000, 6));
    byte[] all = Files.readAllBytes(zip);
    Path cut = Files.write(tmp.resolve("cut.jar"), Arrays.copyOf(all, all.length - 100));

    IOException e =
        assertThrows(
            IOException.class, () -> Archives.extractZip(cut, List.of(), tmp.resolve("out")));
    assertTrue(e.getMessage().contains("cut.jar"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out")));
  }
}
