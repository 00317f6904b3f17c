package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;
import static org.ppruning.system.SystemFixtures.TASK_LABEL;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.demo.ServiceMetrics;
import org.ppruning.local.Service;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.Topics;

/**
 * Issue 16's scale-out: two profiler processes in one consumer group over a samples topic of 6
 * partitions (the 3,000 sentiment sentences spread evenly, 500 a partition), the pruner and the
 * finetuner (training off). One profiler is {@code kill -9}'d mid-stream, after it committed some
 * samples and before it finished its share; the survivor takes its partitions over. The pruned
 * version keeps exactly the units of the single-profiler (batch) reference.
 */
@Tag("system")
class ScaleOutIT {
  static final int PARTITIONS = 6;

  @Test
  void twoProfilersOneKilledMidStreamGiveTheUnitsOfOne() throws Exception {
    List<Sample> samples = SystemFixtures.sentimentSamples();
    var reference = SystemFixtures.batchKept(samples);

    // The profilers create the samples topic with 6 partitions and load the sentiment model only;
    // a short session timeout lets the group notice the killed one in seconds, not 45 s.
    List<String> jvm =
        List.of(
            SystemFixtures.NO_TRAINING,
            "-Dppruning.profiler.known-tasks=" + TASK,
            "-Dppruning.profiler.kafka.partitions=" + PARTITIONS,
            "-Dppruning.profiler.kafka.consumer.session.timeout.ms=8000",
            "-Dppruning.profiler.kafka.consumer.heartbeat.interval.ms=1000");
    try (LocalSystem sys = LocalSystem.start(null, jvm);
        ModelEventWatcher events = new ModelEventWatcher(sys.bootstrap());
        SampleProducer producer = new SampleProducer(sys.bootstrap())) {
      LocalSystem.Extra second = sys.startExtra(Service.PROFILER, "profiler-2", List.of());
      assertEquals(PARTITIONS, partitions(sys.bootstrap(), Topics.SAMPLES));
      long t0 = System.nanoTime();
      producer.send(TASK, samples, PARTITIONS, n -> {});

      // Mid-stream: the first profiler has committed a batch and not yet all of its 1,500.
      double killedAt =
          SystemFixtures.awaitMetric(
              sys,
              Service.PROFILER,
              "ppruning_profiler_samples_total",
              TASK_LABEL,
              v -> v >= 200,
              Duration.ofMinutes(10));
      long pid = SystemFixtures.kill9(sys, Service.PROFILER);
      double secondAtKill =
          ServiceMetrics.read(second.http(), "ppruning_profiler_samples_total", TASK_LABEL)
              .orElse(0);
      System.err.printf(
          "ScaleOutIT: killed profiler (pid %d) at %.0f samples, %.1f s after the send; the"
              + " second had %.0f%n",
          pid, killedAt, (System.nanoTime() - t0) / 1e9, secondAtKill);

      ModelEvent v1 =
          SystemFixtures.awaitEvent(
              events, "pruned version after the kill", ModelEvent.PRUNED, Duration.ofMinutes(20));
      System.err.printf(
          "ScaleOutIT: send -> pruned version %.1f s%n", (System.nanoTime() - t0) / 1e9);
      double survivor =
          ServiceMetrics.read(second.http(), "ppruning_profiler_samples_total", TASK_LABEL)
              .orElse(0);
      System.err.printf("ScaleOutIT: the survivor profiled %.0f samples%n", survivor);
      // Every record is committed once: the survivor profiled 3,000 minus what the killed one
      // committed (at least killedAt). More than its own 1,500: the killed one had not finished
      // its share (the kill was mid-stream) and the survivor took its partitions over.
      assertTrue(survivor > 1500, "the survivor profiled only " + survivor);
      assertTrue(survivor <= 3000 - killedAt, survivor + " > 3000 - " + killedAt);
      assertEquals(1, v1.version());
      assertEquals(3000, v1.samples(), "every sample counted once");
      SystemFixtures.assertSameUnits(
          reference,
          SystemFixtures.versionKept(SystemFixtures.folder(v1.path())),
          "version 1 of two profilers, one killed, vs the single-profiler reference");
    }
  }

  private static int partitions(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .get(topic)
          .partitions()
          .size();
    }
  }
}
