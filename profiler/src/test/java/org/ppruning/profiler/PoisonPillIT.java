package org.ppruning.profiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.stream.DeadLetter;
import org.ppruning.testing.ServiceProcess;

/**
 * A poison pill on the real broker with real MiniLM: a 900 KB sample record (under the broker's 1
 * MB, over the profiler's 576 KiB {@code max.request.size}) among good ones. Its dead letter goes
 * out truncated with reason {@code TOO_LARGE} and its original size, every good sample before and
 * after it is profiled, and the consumer loop never restarts.
 */
@Tag("real")
class PoisonPillIT {
  static final String TASK = "sentiment";
  static final int PILL_BYTES = 900_000;

  @BeforeAll
  static void setUp() {
    // The shared helpers of ProfilerIT (send, readUntil) read its broker fields.
    ProfilerIT.bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(ProfilerIT.bootstrap, "kafka.bootstrap.servers is not set: run `bin/mvn verify`");
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ProfilerIT.bootstrap);
    ProfilerIT.admin = Admin.create(p);
  }

  @AfterAll
  static void tearDown() {
    ProfilerIT.admin.close();
  }

  @Test
  void aNineHundredKbSampleGoesToTheDlqTruncatedAndTheOthersAreProfiledWithoutARestart()
      throws Exception {
    ProfilerIT.Names n = ProfilerIT.Names.fresh("pill");
    ProfilerIT.createSamplesTopic(n, 1);
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ppruning.profiler.known-tasks", TASK); // default model: all-minilm-l6-v2
    p.put("ppruning.profiler.batch-size", "8");
    p.put("ppruning.profiler.kafka.topics.samples", n.samples());
    p.put("ppruning.profiler.kafka.topics.dlq", n.dlq());
    p.put("ppruning.profiler.kafka.topics.summaries", n.summaries());
    p.put("ppruning.profiler.kafka.group", n.group());
    p.put("ppruning.profiler.work-dir", Path.of("target/work").toAbsolutePath().toString());

    byte[] pill = pill();
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      if (i == 12) {
        records.add(new byte[][] {ProfilerIT.utf8(TASK), pill});
      }
      String json =
          "{\"id\":\"good-" + i + "\",\"text\":\"Sentence " + i + ": the food was fine.\"}";
      records.add(new byte[][] {ProfilerIT.utf8(TASK), ProfilerIT.utf8(json)});
    }
    List<Long> offsets = ProfilerIT.send(n.samples(), records);
    long pillOffset = offsets.get(12);

    try (ServiceProcess app = ProfilerIT.start(p, ProfilerIT.log("poison-pill"))) {
      long t0 = System.nanoTime();
      double profiled = 0;
      while (profiled < 24 && System.nanoTime() - t0 < ProfilerIT.WAIT.toNanos()) {
        ServiceProcess.sleep(250);
        profiled = app.metric("ppruning_profiler_samples_total", "task=\"" + TASK + "\"", 0);
      }
      System.err.printf(
          "PoisonPillIT: %.0f samples profiled %.1f s after ready%n",
          profiled, (System.nanoTime() - t0) / 1e9);
      assertEquals(24, profiled, "good samples profiled; log " + app.log());
      assertEquals(0, app.metric("ppruning_profiler_restarts_total", ""), "restarts");
      assertEquals(
          1, app.metric("ppruning_profiler_rejected_total", "reason=\"TOO_LARGE\""), "rejected");
      assertEquals(1, app.metric("ppruning_profiler_dead_letters_truncated_total", ""));
      assertTrue(app.isAlive());
      assertTrue(app.get("/q/health/ready").statusCode() == 200, "ready");
    }

    List<ConsumerRecord<byte[], byte[]>> dlq = ProfilerIT.readAll(n.dlq());
    assertEquals(1, dlq.size(), "one dead letter");
    ConsumerRecord<byte[], byte[]> d = dlq.get(0);
    assertEquals("TOO_LARGE", ProfilerIT.header(d, DeadLetter.REASON));
    assertEquals("true", ProfilerIT.header(d, DeadLetter.TRUNCATED));
    assertEquals(
        Integer.toString(PILL_BYTES), ProfilerIT.header(d, DeadLetter.ORIGINAL_VALUE_BYTES));
    assertEquals(n.samples(), ProfilerIT.header(d, DeadLetter.SOURCE_TOPIC));
    assertEquals("0", ProfilerIT.header(d, DeadLetter.SOURCE_PARTITION));
    assertEquals(Long.toString(pillOffset), ProfilerIT.header(d, DeadLetter.SOURCE_OFFSET));
    assertNotNull(ProfilerIT.header(d, DeadLetter.SOURCE_TIMESTAMP));
    assertTrue(
        ProfilerIT.header(d, DeadLetter.MESSAGE).contains("over the limit of 65536"),
        ProfilerIT.header(d, DeadLetter.MESSAGE));
    assertArrayEquals(ProfilerIT.utf8(TASK), d.key());
    int maxRequest = 576 << 10; // the profiler's default max.request.size
    assertTrue(
        d.value().length > maxRequest - 2 * DeadLetter.MARGIN_BYTES
            && d.value().length <= maxRequest - DeadLetter.MARGIN_BYTES,
        "truncated value of " + d.value().length + " bytes");
    assertArrayEquals(Arrays.copyOf(pill, d.value().length), d.value(), "its first bytes");
  }

  /** A sample record of exactly {@link #PILL_BYTES} bytes: one JSON object with a long text. */
  static byte[] pill() {
    String head = "{\"id\":\"pill\",\"text\":\"";
    String tail = "\"}";
    StringBuilder b = new StringBuilder(head);
    String words = "lorem ipsum dolor sit amet ";
    while (b.length() < PILL_BYTES - tail.length()) {
      b.append(words.charAt((b.length() - head.length()) % words.length()));
    }
    b.append(tail);
    byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
    assertEquals(PILL_BYTES, out.length);
    return out;
  }
}
