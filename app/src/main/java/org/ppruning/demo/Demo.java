package org.ppruning.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.Task;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.local.UpOptions;
import org.ppruning.service.KafkaKeys;
import org.ppruning.serving.v1.Classification;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.train.Distillation;
import org.ppruning.train.FineTuning;
import org.ppruning.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/ppruning demo}: the whole loop on one machine. Starts the broker and the three
 * services with {@link LocalRuntime} (the code behind {@code up}/{@code down}), streams the task's
 * train split into Kafka, waits for the first pruned version and its fine-tuned model, classifies
 * the test split over gRPC and prints accuracy, FLOPs and parameters kept, size and latency. Stops
 * everything it started, also on failure or Ctrl-C, unless {@code --keep-running}.
 */
@Command(
    name = "demo",
    sortOptions = false,
    description = "Prune, fine-tune and serve a model through the streaming services, end to end.")
public final class Demo implements Callable<Integer> {

  @Option(
      names = "--model",
      defaultValue = "all-minilm-l6-v2",
      description = "Base model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--task",
      defaultValue = "sentiment",
      description = "Built-in classification task (default ${DEFAULT-VALUE}).")
  String task;

  @Option(
      names = "--flops-keep",
      defaultValue = "0.5",
      description = "Fraction of encoder FLOPs to keep (default ${DEFAULT-VALUE}).")
  double flopsKeep;

  @Option(
      names = "--compare",
      description =
          "Also fine-tune the unpruned model (same settings, in this process)"
              + " and serve and measure it the same way.")
  boolean compare;

  @Option(names = "--json", description = "Print one JSON object instead of the report.")
  boolean json;

  @Option(
      names = "--keep-running",
      description =
          "Leave the broker and services running (stop them with"
              + " 'ppruning down --run-dir DIR').")
  boolean keepRunning;

  // Fine-tuning: 3 epochs at 1e-4 fit the 15-minute budget on 2 cores (docs/results.md).
  @Option(
      names = "--epochs",
      defaultValue = "3",
      description = "Fine-tuning epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--lr",
      defaultValue = "1e-4",
      description = "Peak learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(
      names = "--distill-weight",
      defaultValue = "10",
      description =
          "While fine-tuning, pull every"
              + " layer towards the same layer of the pre-trained model (finetune --teacher) with this weight;"
              + " 0 turns it off (default ${DEFAULT-VALUE}).")
  float distillWeight;

  // fallbackValue: without it picocli turns a true default off when the flag itself is given.
  @Option(
      names = "--distill-decay",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Lower the teacher's weight linearly to zero over"
              + " fine-tuning (default); --no-distill-decay keeps it constant.")
  boolean distillDecay;

  @Option(
      names = "--batch",
      defaultValue = "32",
      description = "Fine-tuning batch size (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--max-len",
      defaultValue = "128",
      description = "Fine-tuning max tokens (default ${DEFAULT-VALUE}).")
  int maxLen;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Sampling and training seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description =
          "Logs, broker data, work dirs and model repositories (default: a new folder under"
              + " ~/.cache/ppruning/demo).")
  Path runDir;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Broker port; the controller uses port + 1 (default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--profiler-port",
      defaultValue = "8081",
      description = "Profiler HTTP port (default ${DEFAULT-VALUE}).")
  int profilerPort;

  @Option(
      names = "--pruner-port",
      defaultValue = "8082",
      description = "Pruner HTTP port (default ${DEFAULT-VALUE}).")
  int prunerPort;

  @Option(
      names = "--finetuner-port",
      defaultValue = "8083",
      description = "Finetuner HTTP port (default ${DEFAULT-VALUE}).")
  int finetunerPort;

  @Option(
      names = "--grpc-port",
      defaultValue = "9000",
      description = "Finetuner gRPC port (default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(
      names = "--bench-stream",
      description =
          "Benchmark (bench/stream): stream all of the task's samples"
              + " (3,000 for sentiment), time from the last one acknowledged to the pruned version's event, stop.")
  boolean benchStream;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "MINUTES",
      description = "Give up when the whole run takes longer (default ${DEFAULT-VALUE}).")
  int timeoutMinutes;

  private final PrintStream err = System.err;
  private final long t0 = System.nanoTime();

  @Override
  public Integer call() throws Exception {
    Task t;
    try {
      t = Tasks.task(task);
      if (!t.kind().isClassification()) { // the demo's gRPC calls are ppruning.v1 Classify
        throw new IllegalArgumentException(
            "the demo needs a classification task; '" + task + "' is " + t.kind());
      }
      if (!(flopsKeep > 0 && flopsKeep <= 1)) {
        throw new IllegalArgumentException("--flops-keep must be in (0, 1], got " + flopsKeep);
      }
      if (!(distillWeight >= 0) || !Float.isFinite(distillWeight)) {
        throw new IllegalArgumentException(
            "--distill-weight must be a finite number >= 0, got " + distillWeight);
      }
    } catch (IllegalArgumentException e) {
      err.println("ppruning demo: " + e.getMessage());
      return 2;
    }
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    SplitData<Sample> splits = Tasks.splits(task, cache, err);
    Path dir =
        runDir != null
            ? runDir
            : cache
                .root()
                .resolve("demo")
                .resolve(
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    LocalRuntime rt = new LocalRuntime(LocalRuntime.findProjectDir(), dir);
    List<Sample> stream = benchStream ? Tasks.allSamples(task, cache, err) : splits.train();
    UpOptions options = upOptions(stream.size());

    AtomicBoolean stopped = new AtomicBoolean(keepRunning);
    Thread hook = new Thread(() -> stop(rt, stopped, "interrupted: "), "ppruning-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Map<String, Double> seconds = new LinkedHashMap<>();
    try {
      step("starting the broker and the services in " + rt.runDir());
      RuntimeStatus st = rt.up(options, err);
      seconds.put("start", lap(seconds));
      if (benchStream) {
        benchStream(rt, stream, options);
        return 0;
      }
      DemoReport report = run(rt, st, t, splits, options, seconds);
      seconds.put("total", (System.nanoTime() - t0) / 1e9);
      System.out.println(json ? report.toJson() : report.toText());
      return 0;
    } catch (IllegalStateException | IllegalArgumentException e) {
      err.println("ppruning demo: " + e.getMessage());
      err.println("ppruning demo: service logs are in " + rt.runDir().resolve("logs"));
      return 1;
    } finally {
      stop(rt, stopped, "");
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran)
      }
      if (keepRunning) {
        err.println(
            "ppruning demo: still running; stop with: bin/ppruning down --run-dir " + rt.runDir());
      }
    }
  }

  /** up's options: our ports, and the settings that make the services run the demo's job. */
  UpOptions upOptions(int trainSamples) {
    Map<Service, Integer> http = new EnumMap<>(Service.class);
    http.put(Service.PROFILER, profilerPort);
    http.put(Service.PRUNER, prunerPort);
    http.put(Service.FINETUNER, finetunerPort);
    List<String> jvm =
        new ArrayList<>(
            List.of(
                "-Dppruning.profiler.default-model=" + model,
                "-Dppruning.profiler.seed=" + seed,
                "-Dppruning.pruner.default-model=" + model,
                "-Dppruning.pruner.seed=" + seed,
                "-Dppruning.pruner.flops-keep=" + flopsKeep,
                // The train split is smaller than the default 3,000: prune once all of it arrived.
                "-Dppruning.pruner.min-samples=" + trainSamples,
                "-Dppruning.finetuner.training.epochs=" + epochs,
                "-Dppruning.finetuner.training.lr=" + lr,
                "-Dppruning.finetuner.training.batch=" + batch,
                "-Dppruning.finetuner.training.max-len=" + maxLen,
                "-Dppruning.finetuner.training.seed=" + seed,
                // Serve a new fine-tuned version within seconds, not the default 30 s.
                "-Dppruning.finetuner.serving.scan-interval=2s"));
    if (distillWeight > 0) { // the pruned model's teacher is the model it was pruned from
      jvm.add("-Dppruning.finetuner.training.teacher=" + model);
      jvm.add("-Dppruning.finetuner.training.distill-weight=" + distillWeight);
      jvm.add("-Dppruning.finetuner.training.distill-decay=" + distillDecay);
    }
    return UpOptions.defaults()
        .withPorts(kafkaPort, http, grpcPort)
        .withJvmOptions(jvm)
        .withTimeout(Duration.ofMinutes(6));
  }

  private DemoReport run(
      LocalRuntime rt,
      RuntimeStatus st,
      Task t,
      SplitData<Sample> splits,
      UpOptions o,
      Map<String, Double> seconds)
      throws Exception {
    String bootstrap = o.effectiveBootstrap();
    List<Sample> train = splits.train();
    Progress progress = new Progress(rt, o, train.size());
    try (ModelEventWatcher events = new ModelEventWatcher(bootstrap, kafkaKeys());
        InferenceClient client = new InferenceClient("127.0.0.1", o.grpcPort())) {
      String trace = SampleProducer.newTraceparent();
      step(
          "streaming "
              + train.size()
              + " "
              + task
              + " train samples into Kafka (trace "
              + trace.substring(3, 35)
              + ", followed by the services when tracing is on)");
      try (SampleProducer producer = new SampleProducer(bootstrap, kafkaKeys()).traced(trace)) {
        producer.ensureTopic();
        producer.send(
            task,
            train,
            n -> {
              if (n % 500 == 0 || n == train.size()) {
                err.printf(Locale.ROOT, "  sent %,d / %,d samples%n", n, train.size());
              }
            });
      }
      seconds.put("stream", lap(seconds));
      step(
          "waiting for the profiler and the pruner (first pruning after "
              + train.size()
              + " samples)");
      ModelEvent pruned =
          events.await(
              "pruned version of " + task,
              e -> e.stage().equals(ModelEvent.PRUNED) && e.task().equals(task),
              remaining(),
              this::announce,
              progress::tick);
      seconds.put("prune", lap(seconds));
      step("waiting for the finetuner (" + epochs + " epochs on " + train.size() + " samples)");
      ModelEvent tuned =
          events.await(
              "fine-tuned model of pruned version " + pruned.version(),
              e ->
                  e.stage().equals(ModelEvent.FINETUNED)
                      && e.task().equals(task)
                      && pruned.path().equals(e.parent()),
              remaining(),
              this::announce,
              progress::tick);
      seconds.put("finetune", lap(seconds));
      step("classifying the " + splits.test().size() + " test samples over gRPC");
      client.awaitServed(task, tuned.version(), Duration.ofSeconds(60));
      Eval ev = evaluate(client, task, tuned.version(), splits.test());
      DemoReport.Figures prunedFig =
          new DemoReport.Figures(
              task,
              tuned.version(),
              ev.accuracy(),
              tuned.metrics() == null ? null : tuned.metrics().get("test_accuracy"),
              pruned.flopsKept(),
              pruned.paramsKept(),
              folderBytes(Path.of(URI.create(tuned.path()))),
              ev.latencyMs(),
              ev.requests());
      seconds.put("evaluate", lap(seconds));
      step(
          String.format(
              Locale.ROOT,
              "version %d: test accuracy %.1f%% over gRPC, mean latency %.1f ms per request,"
                  + " %.1f MB on disk",
              tuned.version(),
              ev.accuracy() * 100,
              ev.latencyMs(),
              prunedFig.modelBytes() / 1e6));
      DemoReport.Figures unprunedFig = null;
      if (compare) {
        unprunedFig = compareUnpruned(rt, t, splits, client);
        seconds.put("compare", lap(seconds));
      }
      return new DemoReport(
          model, task, flopsKeep, prunedFig, unprunedFig, seconds, rt.runDir().toString());
    }
  }

  /**
   * Streams the samples and measures the time from the broker's acknowledgement of the last one to
   * the arrival of the pruned version's event (profiling of what is left, merging, the P-pruning
   * plan, rewrite, export and the event).
   */
  private void benchStream(LocalRuntime rt, List<Sample> samples, UpOptions o) throws Exception {
    String bootstrap = o.effectiveBootstrap();
    try (ModelEventWatcher events = new ModelEventWatcher(bootstrap, kafkaKeys())) {
      events.poll(Duration.ofMillis(100), e -> {}); // assign now, not after the samples
      step("streaming " + samples.size() + " " + task + " samples into Kafka");
      long sent0 = System.nanoTime();
      try (SampleProducer producer = new SampleProducer(bootstrap, kafkaKeys())) {
        producer.ensureTopic();
        producer.send(task, samples, n -> {});
      }
      long lastAcked = System.nanoTime();
      step(
          String.format(
              Locale.ROOT,
              "sent and acknowledged in %.1f s; waiting for the pruned version",
              (lastAcked - sent0) / 1e9));
      Progress progress = new Progress(rt, o, samples.size());
      ModelEvent pruned =
          events.await(
              "pruned version of " + task,
              e -> e.stage().equals(ModelEvent.PRUNED) && e.task().equals(task),
              remaining(),
              this::announce,
              progress::tick);
      double secs = (System.nanoTime() - lastAcked) / 1e9;
      double recluster =
          ServiceMetrics.read(
                  progress.uri(Service.PRUNER),
                  "ppruning_pruner_recluster_last_duration_seconds",
                  "task=\"" + task + "\"")
              .orElse(Double.NaN);
      System.out.printf(
          Locale.ROOT,
          "bench/stream: %s, %d %s samples, %.0f%% FLOPs: last sample acknowledged ->"
              + " model event (version %d, %d samples) %.1f s (target <= 30 s: %.2fx of it); the pruner's"
              + " re-clustering + write %.1f s; sending took %.1f s; %d cores%n",
          model,
          samples.size(),
          task,
          flopsKeep * 100,
          pruned.version(),
          pruned.samples(),
          secs,
          secs / 30,
          recluster,
          (lastAcked - sent0) / 1e9,
          Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * Fine-tunes the unpruned model here, writes it to the finetuner's repository, measures it over
   * gRPC.
   */
  private DemoReport.Figures compareUnpruned(
      LocalRuntime rt, Task t, SplitData<Sample> splits, InferenceClient client) throws Exception {
    String name = task + "-unpruned";
    step("--compare: fine-tuning the unpruned " + model + " the same way (in this process)");
    ModelRepository repo = new ModelRepository(rt.workDir(Service.FINETUNER).resolve("models"));
    long version = repo.nextVersion(name);
    Trainer.Config tc = Trainer.Config.defaults(epochs, lr, batch, maxLen, seed);
    Path written;
    Map<String, Double> test = new LinkedHashMap<>();
    try (TransformerModel base =
        ModelLoader.open(
            model, ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()))) {
      TaskData data =
          TaskData.load(
              t.name(),
              null,
              ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
              err);
      Distillation teacher =
          distillWeight > 0
              ? new Distillation(base.spec(), base.readWeights(), distillWeight, distillDecay)
              : null;
      written =
          repo.write(
              name,
              version,
              d ->
                  FineTuning.run(
                      base,
                      data,
                      d,
                      FineTuning.Options.of(tc)
                          .withName(model)
                          .withTeacher(teacher)
                          .withProgress(err)));
    }
    step("--compare: classifying the test samples with it over gRPC (served as '" + name + "')");
    client.awaitServed(name, version, Duration.ofSeconds(120));
    Eval ev = evaluate(client, name, version, splits.test());
    return new DemoReport.Figures(
        name,
        version,
        ev.accuracy(),
        null,
        1.0,
        1.0,
        folderBytes(written),
        ev.latencyMs(),
        ev.requests());
  }

  /**
   * Test-split accuracy and mean latency of one-text requests (after 3 untimed warm-up requests).
   */
  record Eval(double accuracy, double latencyMs, int requests) {}

  static Eval evaluate(InferenceClient client, String name, long version, List<Sample> test) {
    for (int i = 0; i < Math.min(3, test.size()); i++) {
      client.classify(name, version, test.get(i).text(), test.get(i).textPair());
    }
    int correct = 0;
    long nanos = 0;
    for (Sample s : test) {
      long a = System.nanoTime();
      Classification c = client.classify(name, version, s.text(), s.textPair()).getResults(0);
      nanos += System.nanoTime() - a;
      if (c.getLabel().equals(s.label())) {
        correct++;
      }
    }
    return new Eval((double) correct / test.size(), nanos / 1e6 / test.size(), test.size());
  }

  private void announce(ModelEvent e) {
    if (!e.task().equals(task) && !e.task().equals(task + "-unpruned")) {
      return;
    }
    if (e.stage().equals(ModelEvent.PRUNED)) {
      StringBuilder w = new StringBuilder();
      e.layers()
          .forEach(
              l ->
                  w.append(w.length() == 0 ? "" : " ")
                      .append(l.heads())
                      .append('/')
                      .append(l.ffn()));
      err.printf(
          Locale.ROOT,
          "  pruner: version %d written (%s): %.1f%% of the FLOPs, %.1f%% of the parameters;"
              + " heads/FFN per layer %s%n",
          e.version(),
          e.reason(),
          e.flopsKept() * 100,
          e.paramsKept() * 100,
          w);
    } else {
      err.printf(
          Locale.ROOT,
          "  finetuner: version %d written: %s; metrics %s%n",
          e.version(),
          e.reason(),
          e.metrics());
    }
  }

  /** Prints what the services report while the demo waits: at most every 10 s, and on change. */
  private final class Progress {
    private final LocalRuntime rt;
    private final UpOptions o;
    private final int total;
    private String last = "";
    private long lastAt;

    Progress(LocalRuntime rt, UpOptions o, int total) {
      this.rt = rt;
      this.o = o;
      this.total = total;
    }

    void tick() {
      if (rt != null) {
        requireRunning();
      }
      long now = System.nanoTime();
      if (now - lastAt < 5_000_000_000L) {
        return;
      }
      String label = "task=\"" + task + "\"";
      String line =
          String.format(
              Locale.ROOT,
              "  profiler %s / %,d profiled%s; pruner %s merged; finetuner %s",
              fmt(
                  ServiceMetrics.read(
                      uri(Service.PROFILER), "ppruning_profiler_samples_total", label)),
              total,
              rejected(),
              fmt(ServiceMetrics.read(uri(Service.PRUNER), "ppruning_pruner_samples", label)),
              ServiceMetrics.read(uri(Service.FINETUNER), "ppruning_finetuner_jobs_running", "")
                          .orElse(0)
                      > 0
                  ? "training"
                  : "idle");
      if (!line.equals(last) || now - lastAt > 30_000_000_000L) {
        err.printf(Locale.ROOT, "[%s] %s%n", elapsed(), line.strip());
        last = line;
        lastAt = now;
      }
    }

    private String rejected() {
      OptionalDouble r =
          ServiceMetrics.read(uri(Service.PROFILER), "ppruning_profiler_rejected_total", "");
      return r.isPresent() && r.getAsDouble() > 0
          ? String.format(
              Locale.ROOT, " (%.0f rejected: see the" + " dead-letter topic)", r.getAsDouble())
          : "";
    }

    private URI uri(Service s) {
      return URI.create("http://127.0.0.1:" + o.httpPorts().get(s));
    }

    /** A service that died ends the demo now, naming it and its log. */
    private void requireRunning() {
      try {
        RuntimeStatus st = rt.status();
        for (Service s : Service.values()) {
          if (!st.services().get(s).running()) {
            throw new IllegalStateException(s.id() + " stopped unexpectedly; see " + rt.log(s));
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(
            "cannot read the status of " + rt.runDir() + ": " + e.getMessage(), e);
      }
    }
  }

  private static String fmt(OptionalDouble v) {
    return v.isPresent() ? String.format(Locale.ROOT, "%,.0f", v.getAsDouble()) : "-";
  }

  /**
   * The shared {@code kafka.*} keys (system properties) and {@code KAFKA_*} variables of this
   * process: the demo's clients read the same keys the services do (which inherit the environment).
   */
  private static Map<String, String> kafkaKeys() {
    return KafkaKeys.of(System.getenv(), System.getProperties());
  }

  private Duration remaining() {
    long left = Duration.ofMinutes(timeoutMinutes).toNanos() - (System.nanoTime() - t0);
    if (left <= 0) {
      throw new IllegalStateException("the demo ran over --timeout " + timeoutMinutes + " minutes");
    }
    return Duration.ofNanos(left);
  }

  private void step(String what) {
    err.printf(Locale.ROOT, "[%s] ppruning demo: %s%n", elapsed(), what);
  }

  private String elapsed() {
    long s = (System.nanoTime() - t0) / 1_000_000_000L;
    return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }

  private double lap(Map<String, Double> seconds) {
    double total = (System.nanoTime() - t0) / 1e9;
    double before = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    return total - before;
  }

  private void stop(LocalRuntime rt, AtomicBoolean stopped, String why) {
    if (stopped.compareAndSet(false, true)) {
      err.println("ppruning demo: " + why + "stopping what it started");
      try {
        rt.down(Duration.ofSeconds(30), err);
      } catch (IOException | RuntimeException e) {
        err.println(
            "ppruning demo: stopping failed: "
                + e.getMessage()
                + "; run: bin/ppruning down --run-dir "
                + rt.runDir());
      }
    }
  }

  /** Bytes of every file under a folder. */
  static long folderBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(files.filter(Files::isRegularFile).toList());
      long sum = 0;
      for (Path f : all) {
        sum += Files.size(f);
      }
      return sum;
    }
  }
}
