package org.ppruning.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.Architecture;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A transformer in a TensorFlow session: built from a spec and weights, or loaded from a SavedModel
 * that ppruning wrote. It owns its graph and session ({@link #close()} frees them) and offers the
 * two signatures every ppruning model has:
 *
 * <ul>
 *   <li>{@code serving_default}: bert {@code input_ids, attention_mask, token_type_ids ->
 *       sequence_output, pooled_output, mlm_logits}; gpt2 {@code input_ids, attention_mask ->
 *       logits}.
 *   <li>{@code profile}: the same inputs plus {@code token_positions} [K] (indices into the
 *       flattened batch x seq tokens) and, per layer i, {@code layer_i_attention_context} [K,
 *       h*dh], {@code layer_i_ffn_activation} [K, f], {@code layer_i_attention_context_abs_sum} [B,
 *       h*dh] and {@code layer_i_ffn_activation_abs_sum} [B, f] (per sample, sums of |activation|
 *       over its non-padding tokens), and {@code token_count}.
 * </ul>
 */
public final class TransformerModel implements AutoCloseable {
  public static final String SERVING = "serving_default";
  public static final String PROFILE = "profile";
  public static final String TOKENIZER_ASSET = "tokenizer.json";

  private final ModelSpec spec;
  private final Session session;
  private final Graph ownedGraph; // null when a SavedModelBundle owns the graph
  private final SavedModelBundle bundle;
  private final Signature serving;
  private final Signature profile;
  private final Path tokenizerJson;
  private final Precision precision;

  private TransformerModel(
      ModelSpec spec,
      Session session,
      Graph ownedGraph,
      SavedModelBundle bundle,
      Signature serving,
      Signature profile,
      Path tokenizerJson,
      Precision precision) {
    this.spec = spec;
    this.precision = precision;
    this.session = session;
    this.ownedGraph = ownedGraph;
    this.bundle = bundle;
    this.serving = serving;
    this.profile = profile;
    this.tokenizerJson = tokenizerJson;
  }

  /**
   * Builds the graph for {@code spec} and loads {@code weights} into its variables.
   *
   * @param tokenizerJson the tokenizer to carry along on export, or null
   * @throws IllegalArgumentException if the weights do not match the spec (names every tensor)
   */
  public static TransformerModel build(ModelSpec spec, Weights weights, Path tokenizerJson) {
    return build(spec, weights, tokenizerJson, Precision.FP32);
  }

  /**
   * As {@link #build(ModelSpec, Weights, Path)}, its session computing in {@code precision}.
   *
   * @throws IllegalStateException if TensorFlow in this process would not apply {@code precision}
   *     ({@link Precision#requireSupported})
   */
  public static TransformerModel build(
      ModelSpec spec, Weights weights, Path tokenizerJson, Precision precision) {
    precision.requireSupported("precision");
    ModelLayout layout = ModelLayout.of(spec);
    layout.check(weights, spec.source() == null ? "the given weights" : spec.source());
    Graph g = new Graph();
    try {
      Ops tf = Ops.create(g);
      VariableSet vars = new VariableSet(g, tf, layout.shapes());
      Signatures sigs = Signatures.build(tf, spec, vars::get);
      Session s = new Session(g, precision.config());
      try {
        vars.load(s, weights);
      } catch (RuntimeException ex) {
        s.close();
        throw ex;
      }
      return new TransformerModel(
          spec, s, g, null, sigs.serving(), sigs.profile(), tokenizerJson, precision);
    } catch (RuntimeException ex) {
      g.close();
      throw ex;
    }
  }

  /**
   * Loads a SavedModel written by ppruning.
   *
   * @throws IllegalArgumentException if {@code dir} is not a ppruning SavedModel
   */
  public static TransformerModel load(Path dir) throws IOException {
    return load(dir, Precision.FP32);
  }

  /**
   * Loads a SavedModel written by ppruning, its session computing in {@code precision} (the same
   * file: bf16 is a session setting, {@link Precision}).
   *
   * @throws IllegalArgumentException if {@code dir} is not a ppruning SavedModel
   * @throws IllegalStateException if TensorFlow in this process would not apply {@code precision}
   */
  public static TransformerModel load(Path dir, Precision precision) throws IOException {
    Path specFile = dir.resolve("assets").resolve(ModelSpec.ASSET_NAME);
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException(dir + " is not a SavedModel (no saved_model.pb)");
    }
    if (!Files.isRegularFile(specFile)) {
      throw new IllegalArgumentException(
          dir
              + " is a SavedModel but not one written by ppruning"
              + " (no assets/"
              + ModelSpec.ASSET_NAME
              + "); import it first with 'ppruning import'");
    }
    ModelSpec spec = ModelSpec.read(specFile);
    precision.requireSupported("precision");
    SavedModelBundle b;
    try {
      b =
          SavedModelBundle.loader(dir.toString())
              .withTags("serve")
              .withConfigProto(precision.config())
              .load();
    } catch (RuntimeException e) {
      throw new IOException("cannot load SavedModel " + dir + ": " + e.getMessage(), e);
    }
    Signature serving = null;
    Signature profile = null;
    for (Signature s : b.signatures()) {
      if (s.key().equals(SERVING)) {
        serving = s;
      } else if (s.key().equals(PROFILE)) {
        profile = s;
      }
    }
    if (serving == null || profile == null) {
      b.close();
      throw new IllegalArgumentException(
          dir + " lacks the " + SERVING + " or " + PROFILE + " signature");
    }
    Path tok = dir.resolve("assets").resolve(TOKENIZER_ASSET);
    var m =
        new TransformerModel(
            spec,
            b.session(),
            null,
            b,
            serving,
            profile,
            Files.isRegularFile(tok) ? tok : null,
            precision);
    ModelLayout.of(spec).check(m.readWeights(), dir.toString());
    return m;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The precision this model's session computes in. */
  public Precision precision() {
    return precision;
  }

  /**
   * Runs {@code serving_default} for one output and counts the bfloat16 nodes TensorFlow executed
   * ({@link Precision#bfloat16Nodes}): 0 for an fp32 session, many once the bf16 rewrite applied.
   */
  public int executedBfloat16Nodes(TokenBatch batch, String output) {
    return Precision.bfloat16Nodes(
        traced(batch, output, RunOptions.newBuilder().setOutputPartitionGraphs(true).build()));
  }

  /**
   * Runs {@code serving_default} for one output with {@code options} (a trace level, the executed
   * graphs) and returns TensorFlow's run metadata: step statistics per op, partition graphs.
   */
  public RunMetadata traced(TokenBatch batch, String output, RunOptions options) {
    Map<String, Tensor> feeds = feeds(batch, null);
    try {
      Session.Runner r = session.runner();
      feeds.forEach((k, v) -> r.feed(serving.getInputs().get(k).name, v));
      r.fetch(serving.getOutputs().get(output).name);
      r.setOptions(options);
      try (Result res = r.runAndFetchMetadata()) {
        return res.getMetadata().orElseThrow();
      }
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  /** The tokenizer.json that travels with this model, or null. */
  public Path tokenizerJson() {
    return tokenizerJson;
  }

  /** Runs {@code serving_default}; returns its outputs by name. */
  public Map<String, FloatTensor> serve(TokenBatch batch) {
    return run(serving, feeds(batch, null), serving.outputNames());
  }

  /**
   * Runs {@code serving_default} for some outputs only; TensorFlow then skips the parts of the
   * graph that only other outputs need (the MLM head, say).
   */
  public Map<String, FloatTensor> serve(TokenBatch batch, java.util.Collection<String> outputs) {
    for (String o : outputs) {
      if (!serving.outputNames().contains(o)) {
        throw new IllegalArgumentException(
            "no output '" + o + "'; this model has " + serving.outputNames());
      }
    }
    return run(serving, feeds(batch, null), outputs);
  }

  /** The {@code serving_default} signature: input and output names, dtypes and shapes. */
  public Signature servingSignature() {
    return serving;
  }

  /** The outputs of {@code serving_default}. */
  public java.util.Set<String> servingOutputs() {
    return serving.outputNames();
  }

  /**
   * Runs {@code profile}, returning the per-layer captures and the token count. The serving outputs
   * are in the signature but not fetched here: a language model's [B, T, V] logits would cost more
   * than everything profiling needs.
   *
   * @param positions indices into the flattened [size * seqLen] tokens to capture activations at
   */
  public Map<String, FloatTensor> profile(TokenBatch batch, int[] positions) {
    int n = batch.size() * batch.seqLen();
    for (int p : positions) {
      if (p < 0 || p >= n) {
        throw new IllegalArgumentException(
            "token position " + p + " outside the batch's " + n + " tokens");
      }
    }
    List<String> captures = new ArrayList<>(profile.outputNames());
    captures.removeAll(serving.outputNames());
    return run(profile, feeds(batch, positions), captures);
  }

  /**
   * Runs {@code profile} for some of its captures only (say, one layer's {@link
   * ProfileNames#context}); TensorFlow then computes only the layers those need.
   *
   * @param positions indices into the flattened [size * seqLen] tokens to capture activations at
   * @param outputs capture names of the {@code profile} signature
   */
  public Map<String, FloatTensor> capture(
      TokenBatch batch, int[] positions, java.util.Collection<String> outputs) {
    int n = batch.size() * batch.seqLen();
    for (int p : positions) {
      if (p < 0 || p >= n) {
        throw new IllegalArgumentException(
            "token position " + p + " outside the batch's " + n + " tokens");
      }
    }
    for (String o : outputs) {
      if (!profile.outputNames().contains(o)) {
        throw new IllegalArgumentException(
            "no profile output '" + o + "'; this model has " + profile.outputNames());
      }
    }
    return run(profile, feeds(batch, positions), outputs);
  }

  /** Reads every weight back out of the session. */
  public Weights readWeights() {
    Map<String, long[]> shapes = ModelLayout.of(spec).shapes();
    Session.Runner r = session.runner();
    List<String> names = new ArrayList<>(shapes.keySet());
    names.forEach(r::fetch);
    Weights w = new Weights();
    try (Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        w.put(names.get(i), Tensors.copy(res.get(i)));
      }
    }
    return w;
  }

  /**
   * Writes this model as a SavedModel with its spec and tokenizer as assets. Written to a temporary
   * folder beside {@code dir} and renamed into place, so readers never see half a model.
   *
   * @param force replace {@code dir} if it exists; otherwise an existing {@code dir} is an error
   */
  public void export(Path dir, boolean force) throws IOException {
    export(dir, force, spec);
  }

  /** As {@link #export(Path, boolean)}, recording {@code newSpec} (same widths) as the spec. */
  public void export(Path dir, boolean force, ModelSpec newSpec) throws IOException {
    if (!newSpec.layers().equals(spec.layers())) {
      throw new IllegalArgumentException("cannot export with a spec of other layer widths");
    }
    Path target = dir.toAbsolutePath().normalize();
    if (Files.exists(target) && !force) {
      throw new IllegalArgumentException(
          "output " + target + " exists; pass --force to replace it");
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
    Files.delete(tmp); // the exporter wants to create the folder itself
    try {
      SavedModelBundle.exporter(tmp.toString())
          .withSession(session)
          .withSignatures(serving, profile)
          .export();
      Path assets = Files.createDirectories(tmp.resolve("assets"));
      Files.writeString(assets.resolve(ModelSpec.ASSET_NAME), newSpec.toJson());
      if (tokenizerJson != null) {
        Files.copy(tokenizerJson, assets.resolve(TOKENIZER_ASSET));
      }
      if (Files.exists(target)) {
        deleteTree(target);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
      throw e;
    }
  }

  private Map<String, Tensor> feeds(TokenBatch b, int[] positions) {
    if (b.seqLen() > spec.maxPositions()) {
      throw new IllegalArgumentException(
          "sequence length "
              + b.seqLen()
              + " exceeds the model's "
              + spec.maxPositions()
              + " positions");
    }
    Map<String, Tensor> f = new HashMap<>();
    f.put("input_ids", Tensors.ints(b.inputIds(), b.size(), b.seqLen()));
    f.put("attention_mask", Tensors.ints(b.attentionMask(), b.size(), b.seqLen()));
    if (spec.architecture() == Architecture.BERT) {
      f.put("token_type_ids", Tensors.ints(b.tokenTypeIds(), b.size(), b.seqLen()));
    }
    if (positions != null) {
      f.put("token_positions", Tensors.ints(positions, positions.length));
    }
    return f;
  }

  private Map<String, FloatTensor> run(
      Signature sig, Map<String, Tensor> feeds, java.util.Collection<String> wanted) {
    try {
      Session.Runner r = session.runner();
      List<String> outs = new ArrayList<>(wanted);
      for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
        r.feed(sig.getInputs().get(e.getKey()).name, e.getValue());
      }
      for (String o : outs) {
        r.fetch(sig.getOutputs().get(o).name);
      }
      Map<String, FloatTensor> result = new LinkedHashMap<>();
      try (Result res = r.run()) {
        for (int i = 0; i < outs.size(); i++) {
          result.put(outs.get(i), Tensors.copy(res.get(i)));
        }
      }
      return result;
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              x -> {
                try {
                  Files.delete(x);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }

  @Override
  public void close() {
    if (bundle != null) {
      bundle.close();
    } else {
      session.close();
      ownedGraph.close();
    }
  }

  /** Builds both signatures over one forward pass. */
  record Signatures(Signature serving, Signature profile) {
    static Signatures build(Ops tf, ModelSpec spec, WeightSource w) {
      boolean bert = spec.architecture() == Architecture.BERT;
      var ids =
          tf.withName("input_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var mask =
          tf.withName("attention_mask")
              .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var types =
          bert
              ? tf.withName("token_type_ids")
                  .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)))
              : null;
      var positions =
          tf.withName("token_positions").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      GraphInputs in = new GraphInputs(ids, mask, types);
      Forward fw = bert ? BertGraph.forward(tf, spec, w, in) : Gpt2Graph.forward(tf, spec, w, in);

      Signature.Builder sb =
          Signature.builder().key(SERVING).input("input_ids", ids).input("attention_mask", mask);
      Signature.Builder pb =
          Signature.builder()
              .key(PROFILE)
              .input("input_ids", ids)
              .input("attention_mask", mask)
              .input("token_positions", positions);
      if (bert) {
        sb.input("token_type_ids", types);
        pb.input("token_type_ids", types);
      }
      fw.outputs()
          .forEach(
              (k, v) -> {
                sb.output(k, v);
                pb.output(k, v);
              });
      ProfileTaps.add(tf.withSubScope("profile"), spec, fw, mask, positions, pb);
      return new Signatures(sb.build(), pb.build());
    }
  }

  /**
   * Profile signature outputs: sampled activations and, per sample, |activation| sums per layer.
   * The sums are per sample (not per batch) so that callers can add them up exactly in any
   * grouping: a batch-level float32 sum would depend on which samples shared the batch.
   */
  static final class ProfileTaps {
    static void add(
        Ops tf,
        ModelSpec spec,
        Forward fw,
        Operand<TInt32> mask,
        Operand<TInt32> positions,
        Signature.Builder pb) {
      var tokenMask =
          tf.reshape(
              tf.dtypes.cast(mask, TFloat32.class), tf.constant(new int[] {-1, 1})); // [N, 1]
      var batch = tf.gather(tf.shape(mask), tf.constant(0), tf.constant(0)); // B
      var k = tf.gather(tf.shape(positions), tf.constant(0), tf.constant(0)); // K
      Operand<TInt32> rows = tf.constant(0);
      for (int i = 0; i < spec.numLayers(); i++) {
        Ops l = tf.withSubScope("layer_" + i);
        Operand<TFloat32> ctx = fw.contexts().get(i);
        Operand<TFloat32> act = fw.ffnActivations().get(i);
        if (ctx == null) {
          pb.output(ProfileNames.context(i), empty(l, k));
          pb.output(ProfileNames.contextAbsSum(i), empty(l, batch));
        } else {
          pb.output(ProfileNames.context(i), l.gather(ctx, positions, rows)); // [K, h*dh]
          pb.output(ProfileNames.contextAbsSum(i), perSample(l, ctx, tokenMask, mask)); // [B, h*dh]
        }
        if (act == null) {
          pb.output(ProfileNames.activation(i), empty(l, k));
          pb.output(ProfileNames.activationAbsSum(i), empty(l, batch));
        } else {
          pb.output(ProfileNames.activation(i), l.gather(act, positions, rows)); // [K, f]
          pb.output(ProfileNames.activationAbsSum(i), perSample(l, act, tokenMask, mask)); // [B, f]
        }
      }
      pb.output(ProfileNames.TOKEN_COUNT, tf.reduceSum(tokenMask, tf.constant(new int[] {0, 1})));
    }

    /** Per sample, the sum of |x| over its non-padding tokens: [N, w] -> [B, w]. */
    private static Operand<TFloat32> perSample(
        Ops tf, Operand<TFloat32> x, Operand<TFloat32> tokenMask, Operand<TInt32> mask) {
      var masked = tf.math.mul(tf.math.abs(x), tokenMask); // [N, w]
      var bTw =
          tf.concat(
              List.of(tf.shape(mask), tf.constant(new int[] {-1})), tf.constant(0)); // [B, T, -1]
      return tf.reduceSum(tf.reshape(masked, bTw), tf.constant(1)); // [B, w]
    }

    private static Operand<TFloat32> empty(Ops tf, Operand<TInt32> rows) {
      return tf.zeros(tf.stack(List.of(rows, tf.constant(0))), TFloat32.class); // [rows, 0]
    }
  }
}
