package org.ppruning.importer.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.FloatTensor;

/**
 * Writes a safetensors file: float32 tensors from {@link FloatTensor}s, optionally raw tensors of
 * any {@link Dtype}, and a {@code __metadata__} string map. Tensors are laid out in the order they
 * were added. The header is padded with spaces so that the data area starts 8-byte aligned, as the
 * reference writer does.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .put("wte.weight", embeddings)
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 *
 * <p>The file is written to a temporary sibling and then moved into place, so a failed write never
 * leaves a truncated file under the final name.
 */
public final class SafetensorsWriter {

  private record Pending(Dtype dtype, long[] shape, FloatTensor floats, byte[] raw) {
    long bytes() {
      return floats != null ? 4L * floats.size() : raw.length;
    }
  }

  /** Floats converted per write call. */
  private static final int CHUNK_FLOATS = 1 << 18;

  private final Map<String, Pending> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Adds (or replaces) a {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    if (key == null || value == null) {
      throw new IllegalArgumentException(
          "metadata key and value must not be null: " + key + "=" + value);
    }
    metadata.put(key, value);
    return this;
  }

  /** Adds a float32 tensor; its data is referenced, not copied, until {@link #write}. */
  public SafetensorsWriter put(String name, FloatTensor tensor) {
    add(name, new Pending(Dtype.F32, tensor.shape().clone(), tensor, null));
    return this;
  }

  /** Adds every tensor of {@code named}, in its iteration order. */
  public SafetensorsWriter putAll(Map<String, FloatTensor> named) {
    named.forEach(this::put);
    return this;
  }

  /**
   * Adds a tensor of any dtype from its little-endian bytes (for instance an int64 buffer, or
   * float16 weights converted elsewhere).
   *
   * @throws IllegalArgumentException if the byte count does not match shape and dtype
   */
  public SafetensorsWriter putRaw(String name, Dtype dtype, long[] shape, byte[] littleEndian) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    long need = count * dtype.bytes();
    if (littleEndian.length != need) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': "
              + littleEndian.length
              + " bytes given, dtype "
              + dtype
              + " and shape "
              + Arrays.toString(shape)
              + " need "
              + need);
    }
    add(name, new Pending(dtype, shape.clone(), null, littleEndian.clone()));
    return this;
  }

  private void add(String name, Pending p) {
    if (name == null || name.isEmpty() || SafetensorsFile.METADATA_KEY.equals(name)) {
      throw new IllegalArgumentException("invalid tensor name '" + name + "'");
    }
    if (tensors.putIfAbsent(name, p) != null) {
      throw new IllegalArgumentException("tensor '" + name + "' added twice");
    }
  }

  /** The header JSON, padded with spaces to a multiple of 8 bytes. */
  byte[] header() {
    ObjectNode root = SafetensorsFile.JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Pending> e : tensors.entrySet()) {
      Pending p = e.getValue();
      ObjectNode t = root.putObject(e.getKey());
      t.put("dtype", p.dtype().name());
      ArrayNode shape = t.putArray("shape");
      for (long d : p.shape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + p.bytes());
      offset += p.bytes();
    }
    byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
    byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    return padded;
  }

  /**
   * Writes the file, replacing any existing one.
   *
   * @throws IOException if writing fails (the target is then left untouched)
   */
  public void write(Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    byte[] header = header();
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(header.length).flip();
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(header));
      ByteBuffer buf = ByteBuffer.allocateDirect(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
      for (Pending p : tensors.values()) {
        if (p.raw() != null) {
          writeFully(ch, ByteBuffer.wrap(p.raw()));
          continue;
        }
        float[] data = p.floats().data();
        for (int off = 0; off < data.length; off += CHUNK_FLOATS) {
          int n = Math.min(CHUNK_FLOATS, data.length - off);
          buf.clear();
          buf.asFloatBuffer().put(data, off, n);
          buf.limit(4 * n);
          writeFully(ch, buf);
        }
      }
      ch.force(false);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Names added so far, in file order. */
  public List<String> names() {
    return new ArrayList<>(tensors.keySet());
  }
}
