package org.ppruning.deploy.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.k8s.Manifests;

/**
 * Starts every service from its image tarball, the way a container runtime would, without one: the
 * layers are unpacked into a folder and the image's entrypoint runs there under chroot, as the
 * image's non-root user, with the image's environment, /dev and /proc mounted in a private mount
 * namespace, and the test broker's address. Checks the image metadata against the build, that the
 * service becomes ready with TensorFlow loaded from the libraries unpacked at build time (nothing
 * unpacked at start), that the image's runtime talks to the real broker (KafkaProbe, and the
 * service's consumer groups once it has incoming channels), and that its resident memory fits the
 * Kubernetes memory request. Prints size and timing lines for docs/results.md.
 *
 * <p>Runs in the images profile (failsafe execution images-start), as root (chroot, mounts).
 */
class TarballStartCheck {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(240);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static String bootstrap;
  private static Admin admin;
  private static Path imagesDir;
  private static final List<String> REPORT = new ArrayList<>();

  @BeforeAll
  static void broker() throws Exception {
    bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(
        bootstrap,
        "kafka.bootstrap.servers not set: run through bin/mvn -Pimages verify (failsafe starts the broker)");
    imagesDir =
        Path.of(System.getProperty("ppruning.images.dir", "target/images")).toAbsolutePath();
    assertEquals("0", ImageTarball.run(List.of("id", "-u")).trim(), "chroot and mounts need root");
    admin =
        Admin.create(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "request.timeout.ms",
                10_000,
                "default.api.timeout.ms",
                20_000));
    // The topics of deploy/k8s/topics.yaml (one replica: one test broker): the services' channels
    // need them.
    Set<String> existing = admin.listTopics().names().get();
    List<NewTopic> create = new ArrayList<>();
    Manifests.load()
        .kafkaTopics()
        .forEach(
            (name, t) -> {
              if (!existing.contains(name)) {
                create.add(
                    new NewTopic(
                        name, ((Number) t.get("spec", "partitions")).intValue(), (short) 1));
              }
            });
    if (!create.isEmpty()) {
      admin.createTopics(create).all().get();
    }
  }

  @AfterAll
  static void report() {
    if (admin != null) {
      admin.close();
    }
    System.out.println("---- images (TarballStartCheck) ----");
    REPORT.forEach(System.out::println);
  }

  @Test
  void profiler() throws Exception {
    check("profiler");
  }

  @Test
  void pruner() throws Exception {
    check("pruner");
  }

  @Test
  void finetuner() throws Exception {
    check("finetuner");
  }

  private void check(String name) throws Exception {
    ServiceFacts s = ServiceFacts.of(name, ServiceFacts.ImageNames.load());
    Path work = imagesDir.resolve("run/" + name);
    Path tarFile = imagesDir.resolve(name + ".tar");
    ImageTarball image = ImageTarball.open(tarFile, work);

    // Image metadata vs the build.
    assertEquals(List.of(s.image()), image.repoTags(), name + ": image name");
    Set<String> ports = new HashSet<>(List.of(s.httpPort() + "/tcp"));
    s.grpcPort().ifPresent(p -> ports.add(p + "/tcp"));
    assertEquals(
        ports,
        new HashSet<>(image.exposedPorts()),
        name + ": exposed ports vs application.properties");
    assertEquals(s.images().user(), image.config().path("User").asText(), name + ": non-root user");
    Map<String, String> labels = image.labels();
    assertEquals(
        s.healthRoot() + "/ready", labels.get("org.ppruning.health.ready"), name + ": ready label");
    assertEquals(
        s.healthRoot() + "/live", labels.get("org.ppruning.health.live"), name + ": live label");
    assertEquals(
        s.healthRoot() + "/started",
        labels.get("org.ppruning.health.started"),
        name + ": started label");
    assertEquals(
        "ppruning-" + name, labels.get("org.opencontainers.image.title"), name + ": title label");
    for (String env : image.env().keySet()) {
      if (env.startsWith("PPRUNING_") || env.startsWith("QUARKUS_") || env.startsWith("KAFKA_")) {
        assertTrue(
            s.keyForEnv(env).isPresent(),
            name + ": image sets " + env + ", which no configuration key matches");
      }
    }
    assertTrue(
        image.entrypoint().contains("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"),
        name + ": JavaCPP guard off");

    // Unpack, and check that the native libraries were unpacked at build time.
    Path root = image.unpack(work.resolve("root"));
    for (String lib :
        List.of("libjnitensorflow.so", "libtensorflow_cc.so.2", "libtensorflow_framework.so.2")) {
      assertTrue(
          Files.isRegularFile(root.resolve("opt/ppruning/native/tensorflow/" + lib)),
          name + ": " + lib + " in the image");
    }
    long imageSize = Files.size(tarFile);
    long unpacked =
        Long.parseLong(ImageTarball.run(List.of("du", "-sb", root.toString())).split("\\s")[0]);
    Files.createDirectories(root.resolve("dev"));
    Files.createDirectories(root.resolve("proc"));

    // 1. The image's JRE and kafka-clients talk to the broker.
    Path probeDir = root.resolve("var/lib/ppruning/probe/org/ppruning/deploy/images");
    Files.createDirectories(probeDir);
    Path probeClass =
        Path.of(KafkaProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("org/ppruning/deploy/images/KafkaProbe.class");
    Files.copy(probeClass, probeDir.resolve("KafkaProbe.class"));
    List<String> probe =
        List.of(
            "/opt/java/bin/java",
            "-cp",
            "/var/lib/ppruning/probe:/deployments/lib/main/*",
            "org.ppruning.deploy.images.KafkaProbe",
            bootstrap,
            TopicNames.SAMPLES);
    Process p = chroot(root, s.images().user(), image.env(), probe, work.resolve("probe.log"));
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), name + ": KafkaProbe did not finish in 90 s");
    String probeOut = Files.readString(work.resolve("probe.log"));
    assertEquals(0, p.exitValue(), name + ": KafkaProbe failed inside the image:\n" + probeOut);
    String cluster = admin.describeCluster().clusterId().get();
    String probeLine =
        probeOut.lines().filter(l -> l.startsWith("cluster=")).findFirst().orElse("");
    assertTrue(
        probeLine.startsWith("cluster=" + cluster + " roundtrip=probe-"),
        name + ": probe output " + probeOut);

    // 2. The service itself, from the image's entrypoint.
    Map<String, String> env = new java.util.LinkedHashMap<>(image.env());
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    int http = freePort();
    env.put("QUARKUS_HTTP_PORT", String.valueOf(http)); // other builds share this machine's ports
    if (s.grpcPort().isPresent()) {
      env.put("QUARKUS_GRPC_SERVER_PORT", String.valueOf(freePort()));
    }
    // A service that loads a pre-trained model at start gets one on its model volume, as in
    // deploy/k8s: a tiny random BERT exported by core (the image cannot fetch catalog models).
    for (ServiceFacts.MappingKey k : s.mappingKeys()) {
      if (k.name().endsWith(".default-model")) {
        env.put(
            ServiceFacts.toEnv(k.name()),
            "/" + tinyModel(root.resolve("models/pretrained/tiny-bert"), root));
      }
    }
    Path log = work.resolve("service.log");
    long t0 = System.nanoTime();
    Process launcher = chroot(root, s.images().user(), env, image.entrypoint(), log);
    long javaPid = -1;
    try {
      JsonNode ready = awaitReady(name, launcher, http, s.healthRoot() + "/ready", log);
      double readySeconds = (System.nanoTime() - t0) / 1e9;
      javaPid = javaPid(launcher);
      assertEquals(200, get(http, s.healthRoot() + "/live").statusCode(), name + ": liveness");
      assertEquals(200, get(http, s.healthRoot() + "/started").statusCode(), name + ": started");
      boolean tfLoaded = false;
      for (JsonNode c : ready.path("checks")) {
        tfLoaded |= c.path("data").has("tensorflow") && "UP".equals(c.path("status").asText());
      }
      assertTrue(tfLoaded, name + ": no UP readiness check reports a loaded TensorFlow: " + ready);
      try (Stream<Path> files =
          Files.exists(root.resolve("tmp/javacpp"))
              ? Files.walk(root.resolve("tmp/javacpp"))
              : Stream.empty()) {
        List<Path> extracted = files.filter(f -> f.toString().contains(".so")).toList();
        assertTrue(
            extracted.isEmpty(), name + ": JavaCPP unpacked libraries at start: " + extracted);
      }
      // Consumer groups of the service's incoming channels, once it has any.
      Set<String> groups = new HashSet<>(s.incomingChannelGroups().values());
      if (!groups.isEmpty()) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Set<String> seen = new HashSet<>();
        while (!seen.containsAll(groups) && System.nanoTime() < deadline) {
          admin.listConsumerGroups().all().get().forEach(g -> seen.add(g.groupId()));
          Thread.sleep(500);
        }
        assertTrue(
            seen.containsAll(groups),
            name + ": consumer groups " + groups + " not on the broker, seen " + seen);
      }
      long rss = rssBytes(javaPid);
      Quantity request =
          Manifests.load()
              .named(Deployment.class, "ppruning-" + name)
              .getSpec()
              .getTemplate()
              .getSpec()
              .getContainers()
              .get(0)
              .getResources()
              .getRequests()
              .get("memory");
      assertTrue(
          rss < Quantity.getAmountInBytes(request).longValue(),
          name
              + ": idle RSS "
              + rss / (1 << 20)
              + " MiB does not fit the Kubernetes memory request "
              + request);
      Matcher started = Pattern.compile("started in ([0-9.]+)s").matcher(Files.readString(log));
      String quarkus = started.find() ? started.group(1) + " s" : "?";

      // Graceful stop, as a runtime's SIGTERM.
      long s0 = System.nanoTime();
      ProcessHandle.of(javaPid).ifPresent(ProcessHandle::destroy);
      assertTrue(
          launcher.waitFor(60, TimeUnit.SECONDS), name + ": did not stop within 60 s of SIGTERM");
      double stopSeconds = (System.nanoTime() - s0) / 1e9;
      REPORT.add(
          String.format(
              "%s: image %s, tarball %.0f MB, unpacked %.0f MB, %d layers; ready in %.1f s "
                  + "(Quarkus: started in %s); idle RSS %d MiB (request %s); stopped in %.1f s; Kafka probe: %s",
              name,
              s.image(),
              imageSize / 1e6,
              unpacked / 1e6,
              image.layers().size(),
              readySeconds,
              quarkus,
              rss >> 20,
              request,
              stopSeconds,
              probeLine));
    } finally {
      if (launcher.isAlive()) {
        long pid = javaPid >= 0 ? javaPid : javaPid(launcher);
        if (pid >= 0) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        launcher.waitFor(30, TimeUnit.SECONDS);
      }
      // 1.3 GB per service: keep the logs, drop the unpacked image once its mounts are gone.
      if (!launcher.isAlive()) {
        ImageTarball.run(List.of("rm", "-rf", root.toString(), image.dir().toString()));
      }
    }
  }

  /**
   * Runs COMMAND in ROOT as USER, with exactly ENV, in a private mount namespace holding /dev and
   * /proc (what a runtime provides); both mounts go away with the namespace.
   */
  private static Process chroot(
      Path root, String user, Map<String, String> env, List<String> command, Path log)
      throws IOException {
    String r = root.toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--fork",
                "--kill-child=SIGKILL",
                "sh",
                "-c",
                "mount --rbind /dev \"$0/dev\" && mount -t proc proc \"$0/proc\" && exec \"$@\"",
                r,
                "env",
                "-i"));
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.add(ImageTarball.run(List.of("sh", "-c", "command -v chroot")).trim());
    cmd.add("--userspec=" + user);
    cmd.add(r);
    cmd.addAll(command);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static JsonNode awaitReady(String name, Process launcher, int port, String path, Path log)
      throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!launcher.isAlive()) {
        fail(
            name
                + ": exited with "
                + launcher.exitValue()
                + " before it was ready; log:\n"
                + tail(log));
      }
      try {
        HttpResponse<String> r = get(port, path);
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
          JsonNode j = new ObjectMapper().readTree(r.body());
          assertEquals("UP", j.path("status").asText(), name + ": " + r.body());
          return j;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    fail(
        name + ": not ready within " + READY_TIMEOUT + " (last: " + last + "); log:\n" + tail(log));
    return null;
  }

  private static HttpResponse<String> get(int port, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The JVM: unshare's forked child, which exec'd sh, env, chroot and finally java. */
  private static long javaPid(Process launcher) {
    return launcher.toHandle().children().mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
  }

  private static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for pid " + pid);
  }

  /** Exports a tiny random BERT with its tokenizer to DIR; returns its path relative to ROOT. */
  private static String tinyModel(Path dir, Path root) throws IOException {
    org.ppruning.model.ModelSpec spec = org.ppruning.model.TinyModels.bertSpec(2, 32, 4, 64);
    List<String> vocab = new ArrayList<>(org.ppruning.tokenize.TokenizerFiles.BERT_SPECIAL_TOKENS);
    while (vocab.size() < spec.vocabSize()) {
      vocab.add("w" + vocab.size());
    }
    Path tok = Files.createTempFile("tiny-tokenizer", ".json");
    Files.writeString(tok, org.ppruning.tokenize.TokenizerFiles.wordPieceJson(vocab, true));
    try (var m =
        org.ppruning.graph.TransformerModel.build(
            spec, org.ppruning.model.TinyModels.randomWeights(spec, 7), tok)) {
      m.export(dir, true);
    } finally {
      Files.deleteIfExists(tok);
    }
    ImageTarball.run(List.of("chmod", "-R", "a+rX", dir.toString()));
    return root.relativize(dir).toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
