package org.ppruning.deploy.nativeimage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;

/**
 * The native-image configuration core ships (META-INF/native-image/org.ppruning/ppruning-core, in
 * GraalVM's agent format) covers what a JVM running the services' native code touches, as traced by
 * {@link NativeTrace}: every JNI native method linked, every class the loaded JNI libraries look
 * up, every native-library resource read, every protobuf message and JavaCPP pointer class loaded,
 * and every ServiceLoader provider loaded (with its META-INF/services file).
 *
 * <p>Regenerate after a dependency change: {@code bin/mvn -o -pl deploy test
 * -Dtest=NativeConfigCoverageTest -Dppruning.native.write=true} (then review the diff).
 */
class NativeConfigCoverageTest {

  static final Path CONFIG_DIR =
      ServiceFacts.root()
          .resolve("core/src/main/resources/META-INF/native-image/org.ppruning/ppruning-core");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static NativeTrace trace;

  @BeforeAll
  static void traceAndMaybeWrite() throws Exception {
    trace = NativeTrace.run(Path.of("target/native-trace").toAbsolutePath());
    if (Boolean.getBoolean("ppruning.native.write")) {
      write(trace);
    }
  }

  @Test
  void everyLinkedNativeMethodsClassIsRegisteredForJni() throws IOException {
    Set<String> registered = names("jni-config.json");
    List<String> missing = new ArrayList<>();
    for (String m : trace.nativeMethods()) {
      String cls = m.substring(0, m.lastIndexOf('.'));
      if (!jdk(cls) && !registered.contains(cls)) {
        missing.add(m);
      }
    }
    assertTrue(
        missing.isEmpty(),
        "native methods linked at run time whose classes jni-config.json lacks: " + missing);
  }

  @Test
  void everyClassTheJniLibrariesLookUpIsRegistered() throws IOException {
    Set<String> registered = names("jni-config.json");
    List<String> missing =
        trace.jniClasses().stream().filter(c -> !registered.contains(c)).toList();
    assertTrue(
        missing.isEmpty(),
        "classes named by the loaded JNI libraries, missing from jni-config.json: " + missing);
  }

  @Test
  void everyNativeResourceReadIsIncluded() throws IOException {
    List<Pattern> includes = new ArrayList<>();
    for (JsonNode i :
        JSON.readTree(CONFIG_DIR.resolve("resource-config.json").toFile())
            .path("resources")
            .path("includes")) {
      includes.add(Pattern.compile(i.path("pattern").asText()));
    }
    List<String> missing =
        trace.resources().stream()
            .filter(r -> includes.stream().noneMatch(p -> p.matcher(r).matches()))
            .toList();
    assertTrue(
        missing.isEmpty(),
        "resources read at run time that resource-config.json does not include: " + missing);
  }

  @Test
  void protobufAndPointerClassesAreRegisteredForReflection() throws IOException {
    Set<String> registered = names("reflect-config.json");
    Set<String> needed = new TreeSet<>(trace.protobufClasses());
    needed.addAll(trace.pointerClasses());
    assertTrue(
        trace.protobufClasses().size() > 10,
        "the trace loaded protobuf messages: " + trace.protobufClasses());
    List<String> missing = needed.stream().filter(c -> !registered.contains(c)).toList();
    assertTrue(
        missing.isEmpty(),
        "classes protobuf/JavaCPP reflect on, missing from reflect-config.json: " + missing);
  }

  @Test
  void serviceProvidersLoadedAreRegistered() throws IOException {
    Set<String> registered = names("reflect-config.json");
    List<String> missing = trace.providers().stream().filter(c -> !registered.contains(c)).toList();
    assertTrue(
        missing.isEmpty(),
        "ServiceLoader providers loaded at run time, missing from reflect-config.json: " + missing);
    List<Pattern> includes = new ArrayList<>();
    for (JsonNode i :
        JSON.readTree(CONFIG_DIR.resolve("resource-config.json").toFile())
            .path("resources")
            .path("includes")) {
      includes.add(Pattern.compile(i.path("pattern").asText()));
    }
    List<String> files =
        trace.services().stream()
            .filter(r -> includes.stream().noneMatch(p -> p.matcher(r).matches()))
            .toList();
    assertTrue(
        files.isEmpty(),
        "META-INF/services files of loaded providers not included as resources: " + files);
  }

  private static boolean jdk(String cls) {
    return cls.startsWith("java.")
        || cls.startsWith("jdk.")
        || cls.startsWith("sun.")
        || cls.startsWith("javax.");
  }

  private static Set<String> names(String file) throws IOException {
    Path f = CONFIG_DIR.resolve(file);
    assertTrue(
        Files.isRegularFile(f), f + " missing: regenerate with -Dppruning.native.write=true");
    Set<String> out = new TreeSet<>();
    JSON.readTree(f.toFile()).forEach(e -> out.add(e.path("name").asText()));
    return out;
  }

  /** Writes the configuration from a trace, in the native-image agent's formats. */
  static void write(NativeTrace t) throws IOException {
    Files.createDirectories(CONFIG_DIR);
    Set<String> jni = new TreeSet<>(t.jniClasses());
    for (String m : t.nativeMethods()) {
      String cls = m.substring(0, m.lastIndexOf('.'));
      if (!jdk(cls)) {
        jni.add(cls);
      }
    }
    JSON.writeValue(CONFIG_DIR.resolve("jni-config.json").toFile(), allDeclared(jni));
    Set<String> reflect = new TreeSet<>(t.protobufClasses());
    reflect.addAll(t.pointerClasses());
    reflect.addAll(t.providers());
    JSON.writeValue(CONFIG_DIR.resolve("reflect-config.json").toFile(), allDeclared(reflect));
    Set<String> patterns = new TreeSet<>();
    for (String r : t.resources()) {
      // The library's directory: its siblings (licences, DJL's tokenizers.properties one level up
      // for native/lib/...) are read the same way.
      String[] parts = r.split("/");
      String dir =
          r.startsWith("native/lib/") ? "native/lib/" : r.substring(0, r.lastIndexOf('/') + 1);
      patterns.add(Pattern.quote(dir) + ".*");
    }
    t.services().forEach(f -> patterns.add(Pattern.quote(f)));
    // JavaCPP's Loader reads its platform properties (not a native library, so not in the trace).
    patterns.add(Pattern.quote("org/bytedeco/javacpp/properties/") + ".*");
    ObjectNode res = JSON.createObjectNode();
    ArrayNode includes = res.putObject("resources").putArray("includes");
    patterns.forEach(p -> includes.addObject().put("pattern", p));
    JSON.writeValue(CONFIG_DIR.resolve("resource-config.json").toFile(), res);
    Files.writeString(
        CONFIG_DIR.resolve("native-image.properties"),
        "# Written by org.ppruning.deploy.nativeimage.NativeConfigCoverageTest. JavaCPP and DJL load native\n"
            + "# libraries in static initializers: those must run in the image, never at build time.\n"
            + "Args = --initialize-at-run-time=org.bytedeco,org.tensorflow.internal.c_api,"
            + "ai.djl.huggingface.tokenizers.jni\n");
  }

  private static ArrayNode allDeclared(Set<String> classes) {
    ArrayNode a = JSON.createArrayNode();
    for (String c : classes) {
      a.addObject()
          .put("name", c)
          .put("allDeclaredConstructors", true)
          .put("allDeclaredMethods", true)
          .put("allDeclaredFields", true);
    }
    return a;
  }
}
