package org.ppruning.graph;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * The precision a model's session computes in. {@link #BF16} is TensorFlow's oneDNN bfloat16 auto
 * mixed precision: a graph rewrite set in the session's {@code ConfigProto} ({@code
 * graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 = ON}) that runs matrix
 * products and most element-wise ops in bfloat16 (8 bits of mantissa) and keeps softmax, reductions
 * and the variables in float32. The SavedModel is the same file; only the session differs.
 *
 * <p>TensorFlow only registers the rewrite when oneDNN is on in the process, and turns oneDNN on by
 * default only on CPUs with AVX-512 VNNI, AVX512_BF16 or AMX. Elsewhere the rewrite is skipped
 * without a word and the session computes in float32. {@link #requireSupported} detects that (a
 * tiny graph run with the rewrite, looking for bfloat16 ops in what ran) and refuses, rather than
 * report bf16 for a float32 session. {@code TF_ENABLE_ONEDNN_OPTS=1} forces oneDNN on; on a CPU
 * without AVX-512, TensorFlow then runs the bfloat16 ops on its Eigen fallback (docs/serving.md has
 * the measured cost).
 */
public enum Precision {
  /** Float32 everywhere: TensorFlow's default session. */
  FP32("fp32"),
  /** oneDNN bfloat16 auto mixed precision. */
  BF16("bf16");

  /** The environment variable that turns TensorFlow's oneDNN optimisations on (1) or off (0). */
  public static final String ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS";

  private static volatile Boolean bf16Rewrites; // probed once per process

  private final String id;

  Precision(String id) {
    this.id = id;
  }

  /** The name settings and reports use: {@code fp32} or {@code bf16}. */
  public String id() {
    return id;
  }

  /**
   * Parses a setting's value.
   *
   * @param setting the key or flag the value came from, named in the error
   * @throws IllegalArgumentException naming the setting, the value and the allowed values
   */
  public static Precision parse(String value, String setting) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    for (Precision p : values()) {
      if (p.id.equals(v)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        setting
            + ": '"
            + value
            + "' is not a precision; allowed: "
            + Arrays.stream(values()).map(Precision::id).collect(Collectors.joining(", ")));
  }

  /** The session configuration: TensorFlow's default for fp32, the bfloat16 rewrite for bf16. */
  public ConfigProto config() {
    if (this == FP32) {
      return ConfigProto.getDefaultInstance();
    }
    return ConfigProto.newBuilder()
        .setGraphOptions(
            GraphOptions.newBuilder()
                .setRewriteOptions(
                    RewriterConfig.newBuilder()
                        .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)))
        .build();
  }

  /**
   * Throws unless TensorFlow in this process applies this precision; fp32 always passes.
   *
   * @param setting the key or flag that asked for it, named in the error
   * @throws IllegalStateException for bf16 when TensorFlow would skip the rewrite (oneDNN off)
   */
  public void requireSupported(String setting) {
    if (this == BF16 && !bf16Rewrites()) {
      String env = System.getenv(ONEDNN_ENV);
      throw new IllegalStateException(
          setting
              + "=bf16: TensorFlow skips the bfloat16 rewrite in this process because oneDNN is"
              + " off ("
              + ONEDNN_ENV
              + (env == null ? " unset" : "=" + env)
              + "; TensorFlow turns oneDNN on by default only on CPUs with AVX-512 VNNI,"
              + " AVX512_BF16 or AMX), so the model would compute in fp32. Set "
              + ONEDNN_ENV
              + "=1 to force it (on a CPU without AVX-512 bfloat16 then runs on TensorFlow's"
              + " slower Eigen fallback; see docs/serving.md) or use fp32");
    }
  }

  /**
   * Whether a session with {@link #BF16}'s configuration really runs bfloat16 ops in this process:
   * a 2 x 2 matrix product run once with the rewrite on, its executed graph searched for bfloat16
   * (a few ms, once per process).
   */
  public static boolean bf16Rewrites() {
    Boolean b = bf16Rewrites;
    if (b == null) {
      b = probe();
      bf16Rewrites = b;
    }
    return b;
  }

  private static boolean probe() {
    ConfigProto c = BF16.config();
    // The meta optimizer skips graphs under a few nodes; -1 optimises this tiny one anyway.
    RewriterConfig rw =
        c.getGraphOptions().getRewriteOptions().toBuilder().setMinGraphNodes(-1).build();
    c =
        c.toBuilder()
            .setGraphOptions(c.getGraphOptions().toBuilder().setRewriteOptions(rw))
            .build();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 2)));
      // The fetched node keeps its type (grappler preserves fetches): the product is inside.
      var y = tf.math.add(tf.linalg.matMul(x, x), x); // [2, 2]
      try (Session s = new Session(g, c);
          TFloat32 in = TFloat32.tensorOf(Shape.of(2, 2), d -> d.setFloat(1.5f, 0, 0));
          Result r =
              s.runner()
                  .feed(x, in)
                  .fetch(y)
                  .setOptions(RunOptions.newBuilder().setOutputPartitionGraphs(true).build())
                  .runAndFetchMetadata()) {
        return bfloat16Nodes(r.getMetadata().orElseThrow()) > 0;
      }
    }
  }

  /** How many nodes of the graphs a run executed have a bfloat16 type attribute. */
  public static int bfloat16Nodes(RunMetadata run) {
    int n = 0;
    for (GraphDef g : run.getPartitionGraphsList()) {
      for (NodeDef node : g.getNodeList()) {
        for (AttrValue a : node.getAttrMap().values()) {
          if (a.getType() == DataType.DT_BFLOAT16
              || a.getList().getTypeList().contains(DataType.DT_BFLOAT16)) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  }
}
