package org.ppruning.importer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an original ONNX encoder through onnxruntime, as the reference that rebuilt graphs are
 * compared against. Input roles are found by name ({@code input_ids}, {@code attention_mask},
 * {@code token_type_ids} or their Google names {@code input_mask}, {@code segment_ids}), and int64
 * or int32 inputs are fed as the model declares them. The hidden-state output is {@code
 * last_hidden_state} (or the only rank-3 float output); a pooled output ({@code pooler_output}, or
 * the only rank-2 float output) is fetched when the model has one.
 *
 * <pre>{@code
 * try (OnnxReference ref = new OnnxReference(Path.of("all-minilm-l6-v2.onnx"))) {
 *   float[] h = ref.run(ids, mask, types, batch, seqLen); // [batch, seqLen, 384] row-major
 * }
 * }</pre>
 *
 * <p>Not thread-safe to close while running; runs themselves may be concurrent (onnxruntime
 * sessions allow it).
 */
public final class OnnxReference implements AutoCloseable {

  /**
   * One run's outputs, row-major.
   *
   * @param lastHiddenState [batch, seqLen, hidden]
   * @param pooled [batch, hidden], or null if the model has no pooled output
   * @param batch sequences in the batch
   * @param seqLen tokens per sequence
   * @param hidden hidden size
   */
  public record Output(
      float[] lastHiddenState, float[] pooled, int batch, int seqLen, int hidden) {}

  private final Path file;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String idsInput;
  private final String maskInput;
  private final String typesInput;
  private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();
  private final String hiddenOutput;
  private final String pooledOutput;

  /** Opens {@code onnxFile} with onnxruntime's default threading. */
  public OnnxReference(Path onnxFile) {
    this(onnxFile, 0);
  }

  /**
   * Opens {@code onnxFile}.
   *
   * @param intraOpThreads threads per operator; 0 leaves onnxruntime's default (all cores)
   * @throws IllegalArgumentException if onnxruntime cannot load the file, or its inputs or outputs
   *     are not those of an encoder (the message lists them)
   */
  public OnnxReference(Path onnxFile, int intraOpThreads) {
    this.file = onnxFile;
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      this.session = env.createSession(onnxFile.toString(), options);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "onnxruntime cannot load " + onnxFile + ": " + e.getMessage(), e);
    }
    try {
      String ids = null;
      String mask = null;
      String types = null;
      List<String> unknown = new ArrayList<>();
      for (NodeInfo in : session.getInputInfo().values()) {
        String name = in.getName();
        if (!(in.getInfo() instanceof TensorInfo t)
            || (t.type != OnnxJavaType.INT64 && t.type != OnnxJavaType.INT32)) {
          unknown.add(in + " (not an int64 or int32 tensor)");
          continue;
        }
        inputTypes.put(name, t.type);
        if (name.contains("input_ids")) {
          ids = name;
        } else if (name.contains("attention_mask") || name.contains("input_mask")) {
          mask = name;
        } else if (name.contains("token_type") || name.contains("segment")) {
          types = name;
        } else {
          unknown.add(in.toString());
        }
      }
      if (ids == null || !unknown.isEmpty()) {
        throw new IllegalArgumentException(
            onnxFile
                + ": expected inputs input_ids and optionally"
                + " attention_mask and token_type_ids, found "
                + session.getInputInfo().values());
      }
      this.idsInput = ids;
      this.maskInput = mask;
      this.typesInput = types;
      this.hiddenOutput = findOutput("last_hidden_state", 3);
      if (hiddenOutput == null) {
        throw new IllegalArgumentException(
            onnxFile
                + ": no last_hidden_state output (nor a single"
                + " rank-3 float output) among "
                + session.getOutputInfo().values());
      }
      this.pooledOutput = findOutput("pooler_output", 2);
    } catch (OrtException | RuntimeException e) {
      try {
        session.close();
      } catch (OrtException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("onnxruntime cannot describe " + onnxFile, e);
    }
  }

  /** The output named {@code preferred}, else the only float output of that rank, else null. */
  private String findOutput(String preferred, int rank) throws OrtException {
    List<String> ofRank = new ArrayList<>();
    for (NodeInfo out : session.getOutputInfo().values()) {
      if (out.getInfo() instanceof TensorInfo t
          && t.type == OnnxJavaType.FLOAT
          && t.getShape().length == rank) {
        if (out.getName().equals(preferred)) {
          return preferred;
        }
        ofRank.add(out.getName());
      }
    }
    return ofRank.size() == 1 ? ofRank.get(0) : null;
  }

  /** The ONNX input names by role: ids, mask and token types (the latter two may be null). */
  public List<String> inputNames() {
    return Arrays.asList(idsInput, maskInput, typesInput);
  }

  /** Name of the output holding the last hidden state. */
  public String hiddenStateOutput() {
    return hiddenOutput;
  }

  /** Whether the model also outputs the pooled first token ({@code pooler_output}). */
  public boolean hasPooledOutput() {
    return pooledOutput != null;
  }

  /**
   * The last hidden state for a batch of token sequences.
   *
   * @param inputIds [batch * seqLen] token ids, row-major
   * @param attentionMask [batch * seqLen] 1 for real tokens, 0 for padding; null means all 1
   * @param tokenTypeIds [batch * seqLen] segment ids; null means all 0
   * @return [batch, seqLen, hidden] row-major
   */
  public float[] run(
      int[] inputIds, int[] attentionMask, int[] tokenTypeIds, int batch, int seqLen) {
    return runAll(inputIds, attentionMask, tokenTypeIds, batch, seqLen).lastHiddenState();
  }

  /** Like {@link #run}, also returning the pooled output if the model has one. */
  public Output runAll(
      int[] inputIds, int[] attentionMask, int[] tokenTypeIds, int batch, int seqLen) {
    if (batch <= 0 || seqLen <= 0) {
      throw new IllegalArgumentException(
          "batch and seqLen must be > 0, got " + batch + " x " + seqLen);
    }
    int n = Math.multiplyExact(batch, seqLen);
    check("inputIds", inputIds, n, batch, seqLen);
    if (attentionMask != null) {
      check("attentionMask", attentionMask, n, batch, seqLen);
    }
    if (tokenTypeIds != null) {
      check("tokenTypeIds", tokenTypeIds, n, batch, seqLen);
    }
    // A model without the input cannot honour a value other than its built-in default.
    if (maskInput == null
        && attentionMask != null
        && Arrays.stream(attentionMask).anyMatch(v -> v != 1)) {
      throw new IllegalArgumentException(
          file + " has no attention-mask input, but the mask given" + " is not all 1");
    }
    if (typesInput == null
        && tokenTypeIds != null
        && Arrays.stream(tokenTypeIds).anyMatch(v -> v != 0)) {
      throw new IllegalArgumentException(
          file + " has no token-type input, but the token types" + " given are not all 0");
    }
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(idsInput, tensor(idsInput, inputIds, shape, 0));
      if (maskInput != null) {
        feeds.put(maskInput, tensor(maskInput, attentionMask, shape, 1));
      }
      if (typesInput != null) {
        feeds.put(typesInput, tensor(typesInput, tokenTypeIds, shape, 0));
      }
      Set<String> fetch = new LinkedHashSet<>();
      fetch.add(hiddenOutput);
      if (pooledOutput != null) {
        fetch.add(pooledOutput);
      }
      try (OrtSession.Result result = session.run(feeds, fetch)) {
        float[] hidden = floats(result, hiddenOutput);
        long[] hs = shapeOf(result, hiddenOutput);
        if (hs.length != 3 || hs[0] != batch || hs[1] != seqLen) {
          throw new IllegalStateException(
              file
                  + ": output "
                  + hiddenOutput
                  + " has shape "
                  + Arrays.toString(hs)
                  + ", expected ["
                  + batch
                  + ", "
                  + seqLen
                  + ", hidden]");
        }
        int d = (int) hs[2];
        float[] pooled = null;
        if (pooledOutput != null) {
          pooled = floats(result, pooledOutput);
          long[] ps = shapeOf(result, pooledOutput);
          if (!Arrays.equals(ps, new long[] {batch, d})) {
            throw new IllegalStateException(
                file
                    + ": output "
                    + pooledOutput
                    + " has shape "
                    + Arrays.toString(ps)
                    + ", expected ["
                    + batch
                    + ", "
                    + d
                    + "]");
          }
        }
        return new Output(hidden, pooled, batch, seqLen, d);
      }
    } catch (OrtException e) {
      throw new IllegalStateException(
          "onnxruntime failed to run "
              + file
              + " on a "
              + batch
              + " x "
              + seqLen
              + " batch: "
              + e.getMessage(),
          e);
    } finally {
      for (OnnxTensor t : feeds.values()) {
        t.close();
      }
    }
  }

  private static void check(String what, int[] values, int n, int batch, int seqLen) {
    if (values == null || values.length != n) {
      throw new IllegalArgumentException(
          what
              + " has "
              + (values == null ? "no" : values.length)
              + " values, batch "
              + batch
              + " x seqLen "
              + seqLen
              + " needs "
              + n);
    }
  }

  private OnnxTensor tensor(String input, int[] values, long[] shape, int fill)
      throws OrtException {
    int n = (int) (shape[0] * shape[1]);
    if (inputTypes.get(input) == OnnxJavaType.INT64) {
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        v[i] = values == null ? fill : values[i];
      }
      return OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape);
    }
    int[] v = values != null ? values : filled(n, fill);
    return OnnxTensor.createTensor(env, IntBuffer.wrap(v), shape);
  }

  private static int[] filled(int n, int fill) {
    int[] v = new int[n];
    Arrays.fill(v, fill);
    return v;
  }

  private static float[] floats(OrtSession.Result result, String name) {
    OnnxValue v = result.get(name).orElseThrow();
    var buf = ((OnnxTensor) v).getFloatBuffer(); // a copy, valid after the result is closed
    float[] out = new float[buf.remaining()];
    buf.get(out);
    return out;
  }

  private static long[] shapeOf(OrtSession.Result result, String name) throws OrtException {
    return ((TensorInfo) result.get(name).orElseThrow().getInfo()).getShape();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close onnxruntime session of " + file, e);
    }
  }

  @Override
  public String toString() {
    return "OnnxReference["
        + file
        + ": "
        + inputNames()
        + " -> "
        + hiddenOutput
        + (pooledOutput != null ? ", " + pooledOutput : "")
        + "]";
  }
}
