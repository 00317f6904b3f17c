package org.ppruning.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildCheckTest {
  @TempDir Path dir;

  @Test
  void missingOrOlderThanASourceIsStale() throws Exception {
    Path jar = dir.resolve("target/quarkus-app/quarkus-run.jar");
    Path src = dir.resolve("src/main/java/A.java");
    Path pom = dir.resolve("pom.xml");
    Files.createDirectories(src.getParent());
    Files.writeString(src, "class A {}");
    Files.writeString(pom, "<project/>");
    List<Path> sources = List.of(dir.resolve("src/main"), pom, dir.resolve("no-such-dir"));
    assertEquals(Optional.of(jar + " is missing"), BuildCheck.staleReason(jar, sources));

    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Files.setLastModifiedTime(src, FileTime.from(t));
    Files.setLastModifiedTime(pom, FileTime.from(t));
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "jar");
    Files.setLastModifiedTime(jar, FileTime.from(t.plusSeconds(60)));
    assertEquals(Optional.empty(), BuildCheck.staleReason(jar, sources));

    Files.setLastModifiedTime(src, FileTime.from(t.plusSeconds(61)));
    assertEquals(Optional.of(src + " is newer than " + jar), BuildCheck.staleReason(jar, sources));
  }
}
