package org.ppruning.deploy.nativeimage;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a JVM running the services' native code actually touches, traced rather than listed by hand.
 * Runs {@link NativeTraceWorkload} in a child JVM with {@code -verbose:jni} (every native method as
 * it is linked), {@code -Xlog:class+load} (every class loaded), JavaCPP's debug log (every library
 * resource it extracts) and fresh JavaCPP and DJL caches (so every native library is unpacked from
 * its jar during the run). Then reads the native libraries the process had mapped for the class
 * names their JNI code looks up (FindClass strings).
 *
 * @param nativeMethods Java native methods linked during the run, "class.method"
 * @param jniClasses classes the loaded JNI libraries name (FindClass/GetMethodID targets) that
 *     exist
 * @param resources class-path resources the run read as native libraries
 * @param loadedClasses every class loaded during the run
 * @param services META-INF/services files whose listed providers the run loaded (Quarkus turns
 *     native-image's ServiceLoader feature off, so these need registering)
 * @param providers those provider classes
 */
public record NativeTrace(
    Set<String> nativeMethods,
    Set<String> jniClasses,
    Set<String> resources,
    Set<String> loadedClasses,
    Set<String> services,
    Set<String> providers) {

  private static final Pattern LINKED =
      Pattern.compile("\\[Dynamic-linking native method (\\S+)\\.(\\S+) \\.\\.\\. JNI]");
  private static final Pattern LOADED = Pattern.compile("\\[class,load] (\\S+) source:");
  private static final Pattern EXTRACTED = Pattern.compile("^Debug: Extracting jar:.*!/(\\S+)$");
  private static final Pattern MAPPED = Pattern.compile("^MAPPED (\\S+)$");
  private static final Pattern CLASS_NAME =
      Pattern.compile("(?:org|ai|java|com)/[A-Za-z0-9_]+(?:/[A-Za-z0-9_$]+)+");

  /** Runs the workload; WORK gets the logs and the fresh caches (deleted afterwards: 650 MB). */
  public static NativeTrace run(Path work) throws IOException, InterruptedException {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.createDirectories(work);
    Path javacpp = work.resolve("javacpp-cache");
    Path djl = work.resolve("djl-cache");
    Path out = work.resolve("trace.log");
    Path classes = work.resolve("classes.log");
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-verbose:jni",
            "-Xlog:class+load=info:file=" + classes,
            "-Dorg.bytedeco.javacpp.logger.debug=true",
            "-Dorg.bytedeco.javacpp.cachedir=" + javacpp,
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-cp",
            classPath,
            NativeTraceWorkload.class.getName(),
            work.toString());
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("DJL_CACHE_DIR", djl.toString());
    pb.environment().put("DJL_OFFLINE", "true");
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("the native trace workload failed; see " + out);
    }
    Set<String> natives = new TreeSet<>();
    Set<String> resources = new TreeSet<>();
    Set<Path> mapped = new TreeSet<>();
    for (String line : Files.readAllLines(out)) {
      Matcher m = LINKED.matcher(line);
      if (m.find()) {
        natives.add(m.group(1) + "." + m.group(2));
      }
      m = EXTRACTED.matcher(line);
      if (m.find()) {
        resources.add(m.group(1));
      }
      m = MAPPED.matcher(line);
      if (m.find()
          && (m.group(1).startsWith(javacpp.toString()) || m.group(1).startsWith(djl.toString()))) {
        mapped.add(Path.of(m.group(1)));
      }
    }
    Set<String> loaded = new TreeSet<>();
    for (String line : Files.readAllLines(classes)) {
      Matcher m = LOADED.matcher(line);
      if (m.find()) {
        loaded.add(m.group(1));
      }
    }
    // DJL unpacks its library itself (no log line): find the jar entry it came from, by name and
    // size.
    try (Stream<Path> files = Files.exists(djl) ? Files.walk(djl) : Stream.empty()) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        resources.addAll(jarEntriesLike(classPath, f));
      }
    }
    Set<String> jniClasses = new TreeSet<>();
    for (Path lib : mapped) {
      jniClasses.addAll(classNamesIn(lib));
    }
    deleteRecursively(javacpp);
    deleteRecursively(djl);
    if (natives.isEmpty() || resources.isEmpty() || jniClasses.isEmpty()) {
      throw new IllegalStateException(
          "empty trace (natives "
              + natives.size()
              + ", resources "
              + resources.size()
              + ", JNI classes "
              + jniClasses.size()
              + "); see "
              + out);
    }
    Set<String> services = new TreeSet<>();
    Set<String> providers = new TreeSet<>();
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          JarEntry je = e.nextElement();
          if (!je.isDirectory() && je.getName().startsWith("META-INF/services/")) {
            String text =
                new String(
                    jar.getInputStream(je).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (String line : text.split("\\R")) {
              String impl = line.replaceAll("#.*", "").trim();
              if (!impl.isEmpty() && loaded.contains(impl)) {
                services.add(je.getName());
                providers.add(impl);
              }
            }
          }
        }
      }
    }
    return new NativeTrace(natives, jniClasses, resources, loaded, services, providers);
  }

  /** Class names in a native library's bytes that resolve to classes (JNI FindClass targets). */
  static Set<String> classNamesIn(Path lib) throws IOException {
    String text = new String(Files.readAllBytes(lib), java.nio.charset.StandardCharsets.ISO_8859_1);
    Set<String> out = new TreeSet<>();
    if (!text.contains("JNI_OnLoad") && !text.contains("Java_")) {
      return out; // not a JNI library (libtensorflow_cc.so.2 is 632 MB of C++): nothing looks up
      // classes
    }
    Matcher m = CLASS_NAME.matcher(text);
    ClassLoader loader = NativeTrace.class.getClassLoader();
    while (m.find()) {
      // Strings may run into the next one without a separator: take the longest prefix that is a
      // class.
      String s = m.group().replace('/', '.');
      for (int end = s.length(); end > 0; end--) {
        String candidate = s.substring(0, end);
        try {
          Class.forName(candidate, false, loader);
          out.add(candidate);
          break;
        } catch (ClassNotFoundException | LinkageError e) {
          // shorter
        }
      }
    }
    return out;
  }

  private static List<String> jarEntriesLike(String classPath, Path file) throws IOException {
    List<String> out = new ArrayList<>();
    long size = Files.size(file);
    String name = file.getFileName().toString();
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          JarEntry je = e.nextElement();
          if (je.getName().endsWith("/" + name) && je.getSize() == size) {
            out.add(je.getName());
          }
        }
      }
    }
    return out;
  }

  /** Loaded classes that are protobuf messages or builders (protobuf reads them reflectively). */
  public Set<String> protobufClasses() {
    return loadedSubclassesOf(
        "com.google.protobuf.GeneratedMessage",
        "com.google.protobuf.GeneratedMessageV3",
        "com.google.protobuf.GeneratedMessage$Builder",
        "com.google.protobuf.GeneratedMessageV3$Builder",
        "com.google.protobuf.ProtocolMessageEnum");
  }

  /** Loaded JavaCPP Pointer classes (JavaCPP instantiates and reads them reflectively). */
  public Set<String> pointerClasses() {
    return loadedSubclassesOf("org.bytedeco.javacpp.Pointer");
  }

  private Set<String> loadedSubclassesOf(String... bases) {
    Set<String> out = new TreeSet<>();
    ClassLoader loader = NativeTrace.class.getClassLoader();
    List<Class<?>> baseClasses = new ArrayList<>();
    for (String b : bases) {
      try {
        baseClasses.add(Class.forName(b, false, loader));
      } catch (ClassNotFoundException e) {
        // this protobuf version lacks it
      }
    }
    for (String c : loadedClasses) {
      if (c.contains("$$") || c.contains("/")) {
        continue; // hidden and lambda classes
      }
      try {
        Class<?> k = Class.forName(c, false, loader);
        if (!Modifier.isAbstract(k.getModifiers()) || k.isEnum()) {
          for (Class<?> b : baseClasses) {
            if (b.isAssignableFrom(k) && !b.equals(k)) {
              out.add(c);
            }
          }
        }
      } catch (ClassNotFoundException | LinkageError e) {
        // not on this class path
      }
    }
    return out;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
