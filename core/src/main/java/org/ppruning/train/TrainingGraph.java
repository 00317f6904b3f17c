package org.ppruning.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.BertGraph;
import org.ppruning.graph.Dropout;
import org.ppruning.graph.Forward;
import org.ppruning.graph.GraphInputs;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.Tensors;
import org.ppruning.graph.VariableSet;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The graph that fine-tunes a sequence classifier: the same {@link BertGraph} as inference (no
 * second model definition), with dropout, a softmax cross-entropy loss on one-hot labels (TensorFlow
 * has no gradient for the sparse op), gradients of every weight, clipping by global norm, and
 * {@link AdamW}. Pruned, variable-width layers train like any other.
 */
public final class TrainingGraph implements AutoCloseable {
  private final ModelSpec spec;
  private final Graph graph = new Graph();
  private final Session session;
  private final VariableSet vars;
  private final List<String> names;
  private final Placeholder<TInt32> ids;
  private final Placeholder<TInt32> mask;
  private final Placeholder<TInt32> types;
  private final Placeholder<TInt32> labels;
  private final Placeholder<TFloat32> lr;
  private final Placeholder<TFloat32> step;
  private final Placeholder<TInt64> seed;
  private final Operand<TFloat32> loss;
  private final Operand<TFloat32> logits;
  private final Operand<TFloat32> gradNorm;
  private final List<Operand<TFloat32>> grads;
  private final Op train;

  /**
   * @param spec     a bert spec with a classification head
   * @param weights  initial weights (every tensor of the spec, classifier included)
   * @param dropout  dropout rate during training
   * @param clipNorm clip gradients to this global norm (<= 0: no clipping)
   */
  public TrainingGraph(ModelSpec spec, Weights weights, float dropout, float clipNorm,
      AdamW optimizer) {
    if (spec.head() == null) {
      throw new IllegalArgumentException("the model has no classification head to train");
    }
    this.spec = spec;
    ModelLayout layout = ModelLayout.of(spec);
    layout.check(weights, "the model to fine-tune");
    try {
      Ops tf = Ops.create(graph);
      vars = new VariableSet(graph, tf, layout.shapes());
      names = new ArrayList<>();
      for (Map.Entry<String, long[]> e : layout.shapes().entrySet()) {
        // The masked-LM head is not on a classifier's loss path, and a layer cut to zero heads
        // keeps empty query/key/value tensors that nothing reads: neither has a gradient.
        boolean empty = java.util.Arrays.stream(e.getValue()).anyMatch(x -> x == 0);
        if (!e.getKey().startsWith("cls/") && !empty) {
          names.add(e.getKey());
        }
      }
      ids = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      mask = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      types = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      step = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));

      Forward fw = BertGraph.forward(tf, spec, vars::get,
          new GraphInputs(ids, mask, types, new Dropout(dropout, seed)));
      logits = fw.outputs().get("logits"); // [B, L]
      int numLabels = spec.head().labels().size();
      var oneHot = tf.oneHot(labels, tf.constant(numLabels), tf.constant(1f), tf.constant(0f));
      var nll = tf.math.neg(tf.reduceSum(tf.math.mul(oneHot, tf.nn.logSoftmax(logits)),
          tf.constant(1))); // [B]
      loss = tf.math.mean(nll, tf.constant(0));

      List<Output<TFloat32>> params = new ArrayList<>();
      names.forEach(n -> params.add(vars.get(n)));
      var g = tf.gradients(loss, params);
      grads = new ArrayList<>();
      for (int i = 0; i < params.size(); i++) {
        grads.add(g.<TFloat32>dy(i));
      }
      Operand<TFloat32> sq = tf.constant(0f);
      for (Operand<TFloat32> x : grads) {
        sq = tf.math.add(sq, tf.reduceSum(tf.math.square(x), allAxes(tf, x)));
      }
      var norm = tf.math.sqrt(sq);
      gradNorm = norm;
      List<Operand<TFloat32>> clipped = new ArrayList<>();
      // Every update waits for the global norm, which needs every gradient: no parameter changes
      // while another gradient still reads it.
      Ops afterGrads = tf.withControlDependencies(List.<Op>of(norm));
      Operand<TFloat32> scale = clipNorm > 0
          ? afterGrads.math.div(tf.constant(clipNorm), tf.math.maximum(gradNorm,
              tf.constant(clipNorm)))
          : afterGrads.identity(tf.constant(1f));
      for (Operand<TFloat32> x : grads) {
        clipped.add(afterGrads.math.mul(x, scale));
      }
      List<Output<TFloat32>[]> moments = new ArrayList<>();
      List<Boolean> decay = new ArrayList<>();
      Ops slots = tf.withSubScope("adamw");
      Map<String, long[]> shapes = layout.shapes();
      Map<Output<TFloat32>, Operand<TFloat32>> zeroInit = new LinkedHashMap<>();
      for (String n : names) {
        @SuppressWarnings("unchecked")
        Output<TFloat32>[] mv = new Output[2];
        for (int k = 0; k < 2; k++) {
          var v = slots.variable(Shape.of(shapes.get(n)), TFloat32.class);
          mv[k] = v.asOutput();
          zeroInit.put(mv[k], slots.zeros(slots.constant(shapes.get(n)), TFloat32.class));
        }
        moments.add(mv);
        decay.add(!(n.endsWith("/bias") || n.contains("LayerNorm") || n.endsWith("/output_bias")));
      }
      train = optimizer.update(tf, params, clipped, decay, moments, lr, step);
      List<Op> inits = new ArrayList<>();
      zeroInit.forEach((v, z) -> inits.add(slots.assign(v, z)));
      Op initSlots = tf.withControlDependencies(inits).noOp();

      session = new Session(graph);
      vars.load(session, weights);
      session.runner().addTarget(initSlots).run().close();
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /** One optimiser step; returns the loss and gradient norm before the update. */
  public StepResult step(TokenBatch b, int[] labelIds, float learningRate, long stepNumber,
      long dropoutSeed) {
    try (Result r = run(b, labelIds, learningRate, stepNumber, dropoutSeed, true,
        List.of(loss, gradNorm))) {
      return new StepResult(scalar(r.get(0)), scalar(r.get(1)));
    }
  }

  /** Loss without an update (dropout still drawn from {@code dropoutSeed}). */
  public float loss(TokenBatch b, int[] labelIds, long dropoutSeed) {
    try (Result r = run(b, labelIds, 0f, 1, dropoutSeed, false, List.of(loss))) {
      return scalar(r.get(0));
    }
  }

  /** Gradients of the loss with respect to every trained weight, by name (no update). */
  public Map<String, FloatTensor> gradients(TokenBatch b, int[] labelIds, long dropoutSeed) {
    try (Result r = run(b, labelIds, 0f, 1, dropoutSeed, false, grads)) {
      Map<String, FloatTensor> out = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), Tensors.copy(r.get(i)));
      }
      return out;
    }
  }

  /** Replaces the current weights (the optimiser state is kept). */
  public void load(Weights w) {
    vars.load(session, w);
  }

  public Weights readWeights() {
    return vars.read(session);
  }

  public ModelSpec spec() {
    return spec;
  }

  private Result run(TokenBatch b, int[] labelIds, float learningRate, long stepNumber,
      long dropoutSeed, boolean update, List<? extends Operand<?>> fetches) {
    if (labelIds.length != b.size()) {
      throw new IllegalArgumentException(labelIds.length + " labels for a batch of " + b.size());
    }
    int n = spec.head().labels().size();
    for (int l : labelIds) {
      if (l < 0 || l >= n) {
        throw new IllegalArgumentException("label id " + l + " outside 0.." + (n - 1));
      }
    }
    Map<Placeholder<?>, Tensor> feeds = new HashMap<>();
    feeds.put(ids, Tensors.ints(b.inputIds(), b.size(), b.seqLen()));
    feeds.put(mask, Tensors.ints(b.attentionMask(), b.size(), b.seqLen()));
    feeds.put(types, Tensors.ints(b.tokenTypeIds(), b.size(), b.seqLen()));
    feeds.put(labels, Tensors.ints(labelIds, labelIds.length));
    feeds.put(lr, TFloat32.scalarOf(learningRate));
    feeds.put(step, TFloat32.scalarOf(stepNumber));
    feeds.put(seed, TInt64.scalarOf(dropoutSeed));
    try {
      Session.Runner r = session.runner();
      feeds.forEach(r::feed);
      fetches.forEach(r::fetch);
      if (update) {
        r.addTarget(train);
      }
      return r.run();
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  private static float scalar(Tensor t) {
    return ((TFloat32) t).getFloat();
  }

  /** What one step measured. */
  public record StepResult(float loss, float gradNorm) {}

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
