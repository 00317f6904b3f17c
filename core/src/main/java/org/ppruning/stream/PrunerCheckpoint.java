package org.ppruning.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.ppruning.fetch.AtomicFiles;
import org.ppruning.summary.proto.ActivationState;

/**
 * The pruner's checkpoint: per task the merged summaries ({@link ActivationState}, exactly what
 * {@code SummaryState.toProto} writes) and counters, plus the input offsets they cover. One file,
 * replaced atomically, so the state and the offsets always belong together:
 *
 * <pre>
 * "PPRUNCK1"                    8 bytes, magic and format version
 * int  n, n bytes               header, JSON: {"offsets": [{"topic", "partition", "next"}],
 *                               "tasks": [{"task", "prunedAt", "published", "stateBytes"}]}
 * per task, in header order     its ActivationState protobuf (stateBytes long)
 * long                          CRC-32 of everything before
 * </pre>
 *
 * @param offsets per input partition, the next offset to read
 * @param tasks per task, its counters and state
 */
public record PrunerCheckpoint(Map<Partition, Long> offsets, Map<String, TaskEntry> tasks) {
  private static final byte[] MAGIC = "PPRUNCK1".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An input partition. */
  public record Partition(String topic, int partition) implements Comparable<Partition> {
    @Override
    public int compareTo(Partition o) {
      int c = topic.compareTo(o.topic);
      return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
      return topic + "-" + partition;
    }
  }

  /**
   * One task's part.
   *
   * @param prunedAt samples merged at the last re-clustering, -1 if none yet
   * @param published the latest version whose model event was sent, 0 if none
   * @param state the merged summaries
   */
  public record TaskEntry(long prunedAt, long published, ActivationState state) {}

  public PrunerCheckpoint {
    offsets = new TreeMap<>(offsets);
    tasks = new TreeMap<>(tasks);
  }

  public byte[] toBytes() {
    try {
      List<Map<String, Object>> offs = new ArrayList<>();
      offsets.forEach(
          (p, next) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("topic", p.topic());
            o.put("partition", p.partition());
            o.put("next", next);
            offs.add(o);
          });
      List<Map<String, Object>> ts = new ArrayList<>();
      List<byte[]> states = new ArrayList<>();
      tasks.forEach(
          (task, e) -> {
            byte[] st = e.state().toByteArray();
            states.add(st);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("task", task);
            o.put("prunedAt", e.prunedAt());
            o.put("published", e.published());
            o.put("stateBytes", st.length);
            ts.add(o);
          });
      byte[] header = JSON.writeValueAsBytes(Map.of("offsets", offs, "tasks", ts));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.write(MAGIC);
      out.writeInt(header.length);
      out.write(header);
      for (byte[] st : states) {
        out.write(st);
      }
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise the checkpoint", e); // in memory: never
    }
  }

  /**
   * Writes the checkpoint to {@code file}, replacing the previous one atomically and durably (the
   * new file is fsynced before the rename, its folder after it).
   */
  public void write(Path file) throws IOException {
    AtomicFiles.writeBytesDurably(file, toBytes());
  }

  /**
   * Reads a checkpoint.
   *
   * @throws IOException if the file cannot be read, or is not a complete checkpoint (names it and
   *     what is wrong)
   */
  public static PrunerCheckpoint read(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    String what = "pruner checkpoint " + file;
    if (all.length < MAGIC.length + 12 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
      throw new IOException(what + " is not a checkpoint of this format (no PPRUNCK1 header)");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
    in.skipNBytes(MAGIC.length);
    int n = in.readInt();
    if (n < 0 || n > all.length) {
      throw new IOException(
          what + ": header length " + n + " in a file of " + all.length + " bytes");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> header = JSON.readValue(in.readNBytes(n), Map.class);
    Map<Partition, Long> offsets = new TreeMap<>();
    for (Object o : (List<?>) header.get("offsets")) {
      Map<?, ?> m = (Map<?, ?>) o;
      offsets.put(
          new Partition((String) m.get("topic"), ((Number) m.get("partition")).intValue()),
          ((Number) m.get("next")).longValue());
    }
    Map<String, TaskEntry> tasks = new TreeMap<>();
    for (Object o : (List<?>) header.get("tasks")) {
      Map<?, ?> m = (Map<?, ?>) o;
      int len = ((Number) m.get("stateBytes")).intValue();
      byte[] st = in.readNBytes(len);
      if (st.length != len) {
        throw new IOException(what + " is truncated in the state of task " + m.get("task"));
      }
      try {
        tasks.put(
            (String) m.get("task"),
            new TaskEntry(
                ((Number) m.get("prunedAt")).longValue(),
                ((Number) m.get("published")).longValue(),
                ActivationState.parseFrom(st)));
      } catch (InvalidProtocolBufferException e) {
        throw new IOException(
            what + ": the state of task " + m.get("task") + " does not parse: " + e.getMessage(),
            e);
      }
    }
    if (in.available() != 8 || in.readLong() != crc.getValue()) {
      throw new IOException(what + " is damaged: length or CRC-32 does not match");
    }
    return new PrunerCheckpoint(offsets, tasks);
  }
}
