package org.ppruning.deploy.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What the build says about one service, derived from its sources and its build output rather than
 * written down a second time: ports and application name from its {@code application.properties},
 * the configuration keys of its {@code @ConfigMapping} interfaces (read by reflection from the
 * packaged {@code target/quarkus-app}), and the image name the {@code images} profile gives it
 * ({@code ppruning-images.properties}, filtered from deploy/pom.xml). The deploy tests check the
 * image tarballs, the Kubernetes manifests and the compose file against these facts.
 *
 * @param name service module name: profiler, pruner, finetuner
 * @param properties prod values of application.properties (keys without a %profile prefix)
 * @param allKeys every key application.properties sets in any profile (profile prefix removed)
 * @param mappingKeys the @ConfigMapping keys, each with whether it must be set
 */
public record ServiceFacts(
    String name,
    Map<String, String> properties,
    List<String> allKeys,
    List<MappingKey> mappingKeys,
    ImageNames images) {

  /** Services that get an image, in build order. */
  public static List<ServiceFacts> all() {
    ImageNames images = ImageNames.load();
    return images.services().stream().map(s -> of(s, images)).toList();
  }

  public static ServiceFacts of(String name, ImageNames images) {
    Path dir = root().resolve(name);
    Properties p = applicationProperties(name);
    Map<String, String> prod = new TreeMap<>();
    List<String> all = new ArrayList<>();
    for (String k : p.stringPropertyNames()) {
      String key = k.startsWith("%") ? k.substring(k.indexOf('.') + 1) : k;
      if (!all.contains(key)) {
        all.add(key);
      }
      if (!k.startsWith("%")) {
        prod.put(k, p.getProperty(k));
      }
    }
    return new ServiceFacts(name, prod, List.copyOf(all), readMappings(name, dir), images);
  }

  /**
   * The keys a service's application.properties sets without a %profile prefix: the values the
   * packaged service runs with unless something of higher precedence sets them. Needs only the
   * sources, not the packaged application.
   */
  public static Map<String, String> prodProperties(String name) {
    Properties p = applicationProperties(name);
    Map<String, String> prod = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      if (!k.startsWith("%")) {
        prod.put(k, p.getProperty(k));
      }
    }
    return prod;
  }

  private static Properties applicationProperties(String name) {
    Path props = root().resolve(name).resolve("src/main/resources/application.properties");
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + props + ": " + e, e);
    }
    return p;
  }

  /** The repository root (system property ppruning.root, set by deploy/pom.xml). */
  public static Path root() {
    String r = System.getProperty("ppruning.root");
    if (r == null) {
      throw new IllegalStateException(
          "system property ppruning.root is not set: run the deploy tests through Maven");
    }
    return Path.of(r).toAbsolutePath().normalize();
  }

  public String image() {
    return images.repository() + "/" + name + ":" + images.tag();
  }

  public String applicationName() {
    return require("quarkus.application.name");
  }

  public int httpPort() {
    return Integer.parseInt(require("quarkus.http.port"));
  }

  /** The gRPC server port, if the service runs a gRPC server on its own port. */
  public Optional<Integer> grpcPort() {
    return Optional.ofNullable(properties.get("quarkus.grpc.server.port")).map(Integer::parseInt);
  }

  /** Health endpoint base path: non-application root path + SmallRye Health root path. */
  public String healthRoot() {
    String nonApp = properties.getOrDefault("quarkus.http.non-application-root-path", "q");
    String health = properties.getOrDefault("quarkus.smallrye-health.root-path", "health");
    return "/" + strip(nonApp) + "/" + strip(health);
  }

  private static String strip(String s) {
    return s.replaceAll("^/+", "").replaceAll("/+$", "");
  }

  /** Incoming Kafka channels (mp.messaging.incoming.NAME.*) and their consumer group ids. */
  public Map<String, String> incomingChannelGroups() {
    Map<String, String> groups = new TreeMap<>();
    for (String k : properties.keySet()) {
      if (k.startsWith("mp.messaging.incoming.")) {
        String channel = k.substring("mp.messaging.incoming.".length()).split("\\.")[0];
        // Quarkus' default group id is the application name.
        groups.put(
            channel,
            properties.getOrDefault(
                "mp.messaging.incoming." + channel + ".group.id",
                properties.getOrDefault("kafka.group.id", applicationName())));
      }
    }
    return groups;
  }

  /**
   * The configuration key an environment variable sets, if the service knows it: a key of its
   * application.properties or of its @ConfigMapping interfaces (SmallRye's rule: the key with every
   * non-alphanumeric character as '_', upper case), or kafka.bootstrap.servers, the key every Kafka
   * channel reads.
   */
  public Optional<String> keyForEnv(String env) {
    List<String> keys = new ArrayList<>(allKeys);
    keys.add("kafka.bootstrap.servers");
    mappingKeys.forEach(k -> keys.add(k.name()));
    for (String key : keys) {
      if (toEnv(key).equals(env)) {
        return Optional.of(key);
      }
    }
    for (MappingKey k : mappingKeys) { // maps and lists: any sub-key
      if (k.wildcard() && env.startsWith(toEnv(k.name()) + "_")) {
        return Optional.of(k.name() + ".*");
      }
    }
    return Optional.empty();
  }

  public static String toEnv(String key) {
    return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
  }

  /** Mapping keys without a default that application.properties does not set either. */
  public List<String> requiredKeysWithoutValue() {
    return mappingKeys.stream()
        .filter(MappingKey::required)
        .map(MappingKey::name)
        .filter(k -> !properties.containsKey(k))
        .toList();
  }

  private String require(String key) {
    String v = properties.get(key);
    if (v == null) {
      throw new IllegalStateException(
          name + "/src/main/resources/application.properties does not set " + key);
    }
    return v;
  }

  /** One key of a @ConfigMapping interface. */
  public record MappingKey(String name, boolean required, boolean wildcard, String declaredBy) {}

  // --- @ConfigMapping interfaces, by reflection over the packaged application --------------------

  static List<MappingKey> readMappings(String service, Path dir) {
    Path app = dir.resolve("target/quarkus-app");
    if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
      throw new IllegalStateException(
          app
              + "/quarkus-run.jar not found: the deploy tests read the services' "
              + "packaged applications; build them first (bin/mvn -pl "
              + service
              + " -am package, or the whole build)");
    }
    List<URL> urls = new ArrayList<>();
    List<Path> appJars;
    try (Stream<Path> s1 = Files.list(app.resolve("app"));
        Stream<Path> s2 = Files.list(app.resolve("lib/main"));
        Stream<Path> s3 = Files.list(app.resolve("lib/boot"))) {
      appJars = s1.filter(p -> p.toString().endsWith(".jar")).toList();
      for (Path p : Stream.of(appJars.stream(), s2, s3).flatMap(x -> x).toList()) {
        urls.add(p.toUri().toURL());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + app + ": " + e, e);
    }
    List<MappingKey> keys = new ArrayList<>();
    try (URLClassLoader loader =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      for (Path jar : appJars) {
        try (JarFile jf = new JarFile(jar.toFile())) {
          for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (!n.endsWith(".class") || n.contains("-") || n.startsWith("META-INF")) {
              continue;
            }
            Class<?> c =
                Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);
            Annotation m = annotation(c, "io.smallrye.config.ConfigMapping");
            if (m != null) {
              String prefix = (String) invoke(m, "prefix");
              String strategy = String.valueOf(invoke(m, "namingStrategy"));
              walk(c, prefix, true, strategy, c.getSimpleName(), keys, 0);
            }
          }
        }
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException(
          "cannot read the @ConfigMapping interfaces of " + app + ": " + e, e);
    }
    return List.copyOf(keys);
  }

  private static void walk(
      Class<?> type,
      String prefix,
      boolean required,
      String strategy,
      String owner,
      List<MappingKey> out,
      int depth) {
    if (depth > 10) {
      throw new IllegalStateException("config mapping nested deeper than 10 levels at " + prefix);
    }
    for (Method m : type.getMethods()) {
      if (m.isDefault()
          || Modifier.isStatic(m.getModifiers())
          || m.getParameterCount() > 0
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Annotation withName = annotation(m, "io.smallrye.config.WithName");
      boolean parentName = annotation(m, "io.smallrye.config.WithParentName") != null;
      String segment =
          withName != null ? (String) invoke(withName, "value") : rename(m.getName(), strategy);
      String key = parentName ? prefix : prefix + "." + segment;
      boolean hasDefault = annotation(m, "io.smallrye.config.WithDefault") != null;
      Class<?> raw = m.getReturnType();
      Type generic = m.getGenericReturnType();
      boolean optional =
          raw == Optional.class
              || raw == OptionalInt.class
              || raw == OptionalLong.class
              || raw == OptionalDouble.class;
      boolean req = required && !optional && !hasDefault;
      Class<?> value =
          optional && generic instanceof ParameterizedType pt
              ? rawOf(pt.getActualTypeArguments()[0])
              : raw;
      if (Map.class.isAssignableFrom(value) || Collection.class.isAssignableFrom(value)) {
        out.add(new MappingKey(key, false, true, owner)); // entries are user-defined
      } else if (value.isInterface() && !value.getName().startsWith("java.")) {
        walk(value, key, req, strategy, owner, out, depth + 1);
      } else {
        out.add(new MappingKey(key, req, false, owner));
      }
    }
  }

  private static Class<?> rawOf(Type t) {
    return t instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : (Class<?>) t;
  }

  private static String rename(String method, String strategy) {
    return switch (strategy) {
      case "VERBATIM" -> method;
      case "SNAKE_CASE" -> method.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
      default -> method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    };
  }

  private static Annotation annotation(java.lang.reflect.AnnotatedElement e, String type) {
    for (Annotation a : e.getAnnotations()) {
      if (a.annotationType().getName().equals(type)) {
        return a;
      }
    }
    return null;
  }

  private static Object invoke(Annotation a, String method) {
    try {
      return a.annotationType().getMethod(method).invoke(a);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + a + "." + method + "(): " + e, e);
    }
  }

  /**
   * The image names the images profile builds, from ppruning-images.properties.
   *
   * @param user the numeric user:group the images run as
   */
  public record ImageNames(String repository, String tag, String user, List<String> services) {

    public static ImageNames load() {
      Properties p = new Properties();
      try (InputStream in = ServiceFacts.class.getResourceAsStream("/ppruning-images.properties")) {
        if (in == null) {
          throw new IllegalStateException(
              "ppruning-images.properties is not on the class path (deploy/src/main/resources)");
        }
        p.load(in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read ppruning-images.properties: " + e, e);
      }
      Map<String, String> v = new LinkedHashMap<>();
      for (String k : List.of("repository", "tag", "user", "services")) {
        String s = p.getProperty(k);
        if (s == null || s.isBlank() || s.contains("${")) {
          throw new IllegalStateException(
              "ppruning-images.properties: '" + k + "' is missing or unfiltered: " + s);
        }
        v.put(k, s.trim());
      }
      return new ImageNames(
          v.get("repository"), v.get("tag"), v.get("user"), List.of(v.get("services").split(",")));
    }
  }
}
