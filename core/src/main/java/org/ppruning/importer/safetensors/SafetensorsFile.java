package org.ppruning.importer.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.FloatTensor;

/**
 * A Hugging Face safetensors file, opened for reading.
 *
 * <p>Layout: an unsigned little-endian 64-bit header length {@code N}; {@code N} bytes of UTF-8
 * JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus
 * an optional {@code "__metadata__"} string map); then the data area, in which each tensor's raw
 * little-endian row-major bytes occupy {@code [begin, end)}.
 *
 * <p>{@link #open} checks the whole header before any tensor is read, with the same rules as the
 * reference implementation: the header fits in the file, every dtype is known, every tensor's byte
 * range matches its shape and dtype, and the ranges tile the data area exactly (no overlap, no gap,
 * nothing after the last tensor). A file that breaks a rule is refused with an error naming the
 * file and the tensor. Tensors are then read on demand through memory mapping, so a large file is
 * copied once, from the page cache straight into the {@code float[]}.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) {
 *   FloatTensor w = f.read("bert.embeddings.word_embeddings.weight");
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {

  /** The metadata key of a header; no tensor may have this name. */
  public static final String METADATA_KEY = "__metadata__";

  /** The reference implementation's limit; a larger header is refused rather than parsed. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  /** Elements converted per mapping, so that a mapping never exceeds 2 GiB. */
  private static final int CHUNK_ELEMENTS = 1 << 26;

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** float32 value of every float16 bit pattern (exact: float32 holds every float16). */
  private static final float[] HALF_TO_FLOAT = new float[1 << 16];

  static {
    for (int h = 0; h < HALF_TO_FLOAT.length; h++) {
      HALF_TO_FLOAT[h] = halfToFloat(h);
    }
  }

  /**
   * One tensor's header entry.
   *
   * @param name tensor name
   * @param dtype element type
   * @param shape dimensions, outermost first (empty for a scalar)
   * @param begin first byte in the data area
   * @param end one past the last byte in the data area
   */
  public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
    /** Number of elements: the product of the shape. */
    public long elementCount() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    public String shapeString() {
      return Arrays.toString(shape);
    }

    @Override
    public String toString() {
      return "TensorInfo["
          + name
          + " "
          + dtype
          + " "
          + shapeString()
          + " bytes ["
          + begin
          + ", "
          + end
          + ")]";
    }
  }

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final long dataSize;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      long dataSize,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.dataSize = dataSize;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Opens {@code file} and validates its header.
   *
   * @throws IOException if the file cannot be read, or is not a well-formed safetensors file (the
   *     message names the file, and the tensor where one is at fault)
   */
  public static SafetensorsFile open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return parse(file, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
    long fileSize = ch.size();
    if (fileSize < 8) {
      throw new IOException(
          file
              + ": "
              + fileSize
              + " bytes is too short for the 8-byte header length (empty or truncated file?)");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0, file);
    long n = lenBuf.getLong(0); // unsigned on disk: a negative value means >= 2^63
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw new IOException(
          file
              + ": header length "
              + Long.toUnsignedString(n)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes (not a safetensors file?)");
    }
    if (n > fileSize - 8) {
      throw new IOException(
          file
              + ": header length "
              + n
              + " exceeds the "
              + (fileSize - 8)
              + " bytes after the length field (truncated file, or not a safetensors file)");
    }
    ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
    readFully(ch, headerBuf, 8, file);
    String header;
    try {
      header =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(headerBuf.flip())
              .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + ": header is not valid UTF-8 (not a safetensors file?)", e);
    }
    if (!header.startsWith("{")) {
      throw new IOException(file + ": header does not start with '{' (not a safetensors file?)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!root.isObject()) {
      throw new IOException(file + ": header is not a JSON object");
    }

    long dataSize = fileSize - 8 - n;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<TensorInfo> infos = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (METADATA_KEY.equals(e.getKey())) {
        readMetadata(file, e.getValue(), metadata);
      } else {
        infos.add(readInfo(file, e.getKey(), e.getValue(), dataSize));
      }
    }
    checkTiling(file, infos, dataSize);

    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (TensorInfo t : infos) {
      tensors.put(t.name(), t);
    }
    return new SafetensorsFile(
        file,
        ch,
        8 + n,
        dataSize,
        Collections.unmodifiableMap(tensors),
        Collections.unmodifiableMap(metadata));
  }

  private static void readMetadata(Path file, JsonNode node, Map<String, String> out)
      throws IOException {
    if (!node.isObject()) {
      throw new IOException(file + ": " + METADATA_KEY + " must be a JSON object of strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IOException(
            file
                + ": "
                + METADATA_KEY
                + " value of '"
                + e.getKey()
                + "' must be a string, got "
                + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
  }

  private static TensorInfo readInfo(Path file, String name, JsonNode node, long dataSize)
      throws IOException {
    String where = file + ": tensor '" + name + "'";
    if (!node.isObject()) {
      throw new IOException(where + ": header entry must be a JSON object, got " + node);
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("dtype") && !f.equals("shape") && !f.equals("data_offsets")) {
        throw new IOException(where + ": unexpected header field '" + f + "'");
      }
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new IOException(where + ": header entry needs a string 'dtype'");
    }
    Dtype dtype;
    try {
      dtype = Dtype.of(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw new IOException(where + " has unsupported dtype '" + dtypeNode.textValue() + "'");
    }
    long[] shape = longArray(where, node.get("shape"), "shape", -1);
    long[] offsets = longArray(where, node.get("data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new IOException(
          where
              + ": data_offsets ["
              + begin
              + ", "
              + end
              + "] are out of order (end before begin)");
    }
    if (end > dataSize) {
      throw new IOException(
          where
              + ": data_offsets ["
              + begin
              + ", "
              + end
              + "] run past the data area of "
              + dataSize
              + " bytes (truncated file?)");
    }
    long need;
    try {
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      need = Math.multiplyExact(count, (long) dtype.bytes());
    } catch (ArithmeticException e) {
      throw new IOException(where + ": shape " + Arrays.toString(shape) + " is too large");
    }
    if (end - begin != need) {
      throw new IOException(
          where
              + ": data_offsets ["
              + begin
              + ", "
              + end
              + "] hold "
              + (end - begin)
              + " bytes, but dtype "
              + dtype
              + " and shape "
              + Arrays.toString(shape)
              + " need "
              + need);
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  /** Ranges must cover [0, dataSize) exactly, as the reference implementation requires. */
  private static void checkTiling(Path file, List<TensorInfo> infos, long dataSize)
      throws IOException {
    List<TensorInfo> sorted = new ArrayList<>(infos);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long pos = 0;
    TensorInfo prev = null;
    for (TensorInfo t : sorted) {
      if (t.begin() < pos) {
        throw new IOException(
            file
                + ": tensor '"
                + t.name()
                + "' bytes ["
                + t.begin()
                + ", "
                + t.end()
                + ") overlap tensor '"
                + prev.name()
                + "' bytes ["
                + prev.begin()
                + ", "
                + prev.end()
                + ")");
      }
      if (t.begin() > pos) {
        throw new IOException(
            file
                + ": "
                + (t.begin() - pos)
                + " unused bytes before tensor '"
                + t.name()
                + "' at offset "
                + t.begin()
                + " (offsets must be contiguous)");
      }
      pos = t.end();
      prev = t;
    }
    if (pos != dataSize) {
      throw new IOException(
          file
              + ": the data area holds "
              + dataSize
              + " bytes but the tensors"
              + " end at byte "
              + pos
              + " ("
              + (dataSize - pos)
              + " trailing bytes)");
    }
  }

  private static long[] longArray(String where, JsonNode node, String field, int length)
      throws IOException {
    if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
      throw new IOException(
          where
              + ": header entry needs '"
              + field
              + "' as an array of "
              + (length >= 0 ? length + " " : "")
              + "non-negative integers, got "
              + node);
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new IOException(
            where + ": '" + field + "' must hold non-negative integers, got " + node);
      }
      out[i] = v.longValue();
    }
    return out;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file)
      throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos + buf.position());
      if (r < 0) {
        throw new IOException(file + ": unexpected end of file at byte " + (pos + buf.position()));
      }
    }
  }

  public Path path() {
    return path;
  }

  /** The header's {@code __metadata__} map (empty if absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Tensor names in data-area order. */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** Every tensor's header entry, in data-area order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /**
   * The header entry of tensor {@code name}.
   *
   * @throws IllegalArgumentException naming the file and tensor if there is no such tensor
   */
  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
    }
    return t;
  }

  /**
   * Reads tensor {@code name} as float32. F16 and BF16 values convert exactly (float32 holds every
   * value of both, including subnormals, infinities and NaN payloads).
   *
   * @throws IllegalArgumentException if there is no such tensor, or its dtype is not F32, F16 or
   *     BF16, or it has more elements than a Java array holds
   * @throws IOException if the file cannot be read or has shrunk since it was opened
   */
  public FloatTensor read(String name) throws IOException {
    TensorInfo t = info(name);
    if (!t.dtype().readableAsFloat()) {
      throw new IllegalArgumentException(
          path
              + ": tensor '"
              + name
              + "' has dtype "
              + t.dtype()
              + "; only F32, F16 and BF16 can be read as float32");
    }
    long count = t.elementCount();
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          path
              + ": tensor '"
              + name
              + "' "
              + t.shapeString()
              + " has "
              + count
              + " elements, more than a Java array holds");
    }
    long size = channel.size();
    if (dataStart + t.end() > size) {
      throw new IOException(
          path
              + ": file shrank to "
              + size
              + " bytes since it was opened;"
              + " tensor '"
              + name
              + "' needs bytes up to "
              + (dataStart + t.end()));
    }
    int n = (int) count;
    float[] out = new float[n];
    int elemBytes = t.dtype().bytes();
    for (int done = 0; done < n; ) {
      int len = Math.min(n - done, CHUNK_ELEMENTS);
      MappedByteBuffer buf =
          channel.map(
              FileChannel.MapMode.READ_ONLY,
              dataStart + t.begin() + (long) done * elemBytes,
              (long) len * elemBytes);
      buf.order(ByteOrder.LITTLE_ENDIAN);
      switch (t.dtype()) {
        case F32 -> buf.asFloatBuffer().get(out, done, len);
        case F16 -> {
          ShortBuffer s = buf.asShortBuffer();
          for (int i = 0; i < len; i++) {
            out[done + i] = HALF_TO_FLOAT[s.get(i) & 0xffff];
          }
        }
        case BF16 -> {
          // bfloat16 is the top half of a float32
          ShortBuffer s = buf.asShortBuffer();
          for (int i = 0; i < len; i++) {
            out[done + i] = Float.intBitsToFloat((s.get(i) & 0xffff) << 16);
          }
        }
        default -> throw new IllegalStateException("unreachable: " + t.dtype());
      }
      done += len;
    }
    return new FloatTensor(t.shape().clone(), out);
  }

  /** IEEE 754 binary16 bits to float32, exactly. */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      // infinity or NaN; the NaN payload moves to the top of the float32 mantissa
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      // zero or subnormal: mant * 2^-24, exact in float32
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    // rebias the exponent from 15 to 127
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Size in bytes of the data area (after the header). */
  public long dataSize() {
    return dataSize;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
  }
}
