package org.ppruning.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.BertGraph;
import org.ppruning.graph.Dropout;
import org.ppruning.graph.Forward;
import org.ppruning.graph.Gpt2Graph;
import org.ppruning.graph.GraphInputs;
import org.ppruning.graph.Tensors;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.VariableSet;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
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
 * The graph that fine-tunes a model for its task head: the same {@link BertGraph} or {@link
 * Gpt2Graph} as inference (no second model definition), with dropout, the head's {@link Objective}
 * (softmax cross-entropies on one-hot targets: TensorFlow has no gradient for the sparse op),
 * gradients of every weight on the loss path, clipping by global norm, and {@link AdamW}. Pruned,
 * variable-width layers train like any other.
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
  private final Objective objective;
  private final Placeholder<TFloat32> lr;
  private final Placeholder<TFloat32> step;
  private final Placeholder<TInt64> seed;
  private final Operand<TFloat32> loss;

  /** Factor of the distillation weight for one step (default 1), or null without a teacher. */
  private final Operand<TFloat32> distillScale;

  private final Operand<TFloat32> gradNorm;
  private final List<Operand<TFloat32>> grads;
  private final Op train;

  /**
   * @param spec a spec with a task head ({@link TaskHead}): the objective follows its kind
   * @param weights initial weights (every tensor of the spec, head included)
   * @param dropout dropout rate during training
   * @param clipNorm clip gradients to this global norm (<= 0: no clipping)
   * @param optimizer the update rule, or null for a graph that only computes losses (evaluation: no
   *     gradients, no optimiser state)
   */
  public TrainingGraph(
      ModelSpec spec, Weights weights, float dropout, float clipNorm, AdamW optimizer) {
    this(spec, weights, dropout, clipNorm, optimizer, null);
  }

  /**
   * A training graph whose loss also pulls every layer towards a teacher's.
   *
   * @param distill the teacher and the weight of its loss, or null for the task loss alone
   */
  public TrainingGraph(
      ModelSpec spec,
      Weights weights,
      float dropout,
      float clipNorm,
      AdamW optimizer,
      Distillation distill) {
    if (spec.head() == null) {
      throw new IllegalArgumentException(
          "the model has no task head to train (a pre-trained"
              + " model: fine-tune it for a task, which adds one)");
    }
    this.spec = spec;
    ModelLayout layout = ModelLayout.of(spec);
    layout.check(weights, "the model to fine-tune");
    try {
      Ops tf = Ops.create(graph);
      vars = new VariableSet(graph, tf, layout.shapes());
      names = new ArrayList<>();
      for (Map.Entry<String, long[]> e : layout.shapes().entrySet()) {
        // Only weights on the loss path have a gradient: the masked-LM head trains only for
        // masked LM, the pooler only for heads that read it, and a layer cut to zero heads keeps
        // empty query/key/value tensors that nothing reads.
        boolean empty = java.util.Arrays.stream(e.getValue()).anyMatch(x -> x == 0);
        boolean mlm = e.getKey().startsWith("cls/");
        boolean pooler = e.getKey().startsWith(BertLayout.POOLER);
        if (!empty
            && (!mlm || spec.head().type().equals(TaskHead.MASKED_LM))
            && (!pooler || spec.head().usesPooler())
            && !unusedLayerNorm(spec, e.getKey())) {
          names.add(e.getKey());
        }
      }
      ids = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      mask = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      types = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      step = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));

      GraphInputs in =
          new GraphInputs(
              ids,
              mask,
              spec.architecture() == Architecture.BERT ? types : null,
              new Dropout(dropout, seed));
      Forward fw =
          spec.architecture() == Architecture.BERT
              ? BertGraph.forward(tf, spec, vars::get, in)
              : Gpt2Graph.forward(tf, spec, vars::get, in);
      objective = Objective.build(tf, spec, fw, ids, mask);
      if (distill == null) {
        distillScale = null;
        loss = objective.loss();
      } else {
        distill.checkStudent(spec);
        distillScale = tf.placeholderWithDefault(tf.constant(1f), Shape.scalar());
        loss =
            tf.math.add(
                objective.loss(),
                tf.math.mul(
                    tf.math.mul(tf.constant(distill.weight()), distillScale),
                    distill.loss(tf, fw, in)));
      }

      if (optimizer == null) {
        gradNorm = null;
        grads = List.of();
        train = null;
        session = new Session(graph);
        vars.load(session, weights);
        return;
      }
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
      Operand<TFloat32> scale =
          clipNorm > 0
              ? afterGrads.math.div(
                  tf.constant(clipNorm), tf.math.maximum(gradNorm, tf.constant(clipNorm)))
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
        decay.add(
            !(n.endsWith("/bias")
                || n.contains("LayerNorm")
                || n.endsWith("/output_bias")
                || n.endsWith("/b")
                || n.endsWith("/g")));
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

  /** GPT-2's pre-LayerNorm of a sub-layer cut to nothing feeds no op (and has no gradient). */
  private static boolean unusedLayerNorm(ModelSpec spec, String name) {
    if (spec.architecture() != Architecture.GPT2) {
      return false;
    }
    for (int i = 0; i < spec.numLayers(); i++) {
      if (spec.layers().get(i).heads() == 0 && name.startsWith(Gpt2Layout.ln1(i) + "/")
          || spec.layers().get(i).ffn() == 0 && name.startsWith(Gpt2Layout.ln2(i) + "/")) {
        return true;
      }
    }
    return false;
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /**
   * One optimiser step on a classification batch (label ids); see {@link #step(TokenBatch, Targets,
   * float, long, long)}.
   */
  public StepResult step(
      TokenBatch b, int[] labelIds, float learningRate, long stepNumber, long dropoutSeed) {
    return step(b, Targets.classes(labelIds), learningRate, stepNumber, dropoutSeed);
  }

  /** One optimiser step; returns the loss and gradient norm before the update. */
  public StepResult step(
      TokenBatch b, Targets t, float learningRate, long stepNumber, long dropoutSeed) {
    return step(b, t, learningRate, stepNumber, dropoutSeed, 1f);
  }

  /**
   * One optimiser step with the teacher's weight multiplied by {@code distillScale} (a schedule;
   * ignored without a teacher); returns the loss and gradient norm before the update.
   */
  public StepResult step(
      TokenBatch b,
      Targets t,
      float learningRate,
      long stepNumber,
      long dropoutSeed,
      float distillScale) {
    if (train == null) {
      throw new IllegalStateException("this graph was built for evaluation (no optimiser)");
    }
    try (Result r =
        run(
            b,
            t,
            learningRate,
            stepNumber,
            dropoutSeed,
            distillScale,
            true,
            List.of(loss, gradNorm))) {
      return new StepResult(scalar(r.get(0)), scalar(r.get(1)));
    }
  }

  /** Loss without an update (dropout still drawn from {@code dropoutSeed}). */
  public float loss(TokenBatch b, int[] labelIds, long dropoutSeed) {
    return loss(b, Targets.classes(labelIds), dropoutSeed);
  }

  /** Loss without an update (dropout still drawn from {@code dropoutSeed}). */
  public float loss(TokenBatch b, Targets t, long dropoutSeed) {
    try (Result r = run(b, t, 0f, 1, dropoutSeed, 1f, false, List.of(loss))) {
      return scalar(r.get(0));
    }
  }

  /**
   * The loss of every item without an update: per sample (classification, regression, QA) or per
   * predicted token (language modelling, in the order of {@link Targets#positions}); their mean is
   * {@link #loss}. For language models these are negative log-likelihoods in nats.
   */
  public float[] losses(TokenBatch b, Targets t, long dropoutSeed) {
    try (Result r = run(b, t, 0f, 1, dropoutSeed, 1f, false, List.of(objective.perItem()))) {
      return Tensors.copy(r.get(0)).data();
    }
  }

  /**
   * Language models: per scored token, its negative log-likelihood (nats) and whether the top-1
   * prediction is the target (1 or 0): {@code [nll, hits]}.
   */
  public float[][] tokenScores(TokenBatch b, Targets t) {
    if (objective.hits() == null) {
      throw new IllegalStateException("a " + spec.head().type() + " head scores no tokens");
    }
    try (Result r =
        run(b, t, 0f, 1, 0, 1f, false, List.of(objective.perItem(), objective.hits()))) {
      return new float[][] {Tensors.copy(r.get(0)).data(), Tensors.copy(r.get(1)).data()};
    }
  }

  /** Gradients of the loss with respect to every trained weight, by name (no update). */
  public Map<String, FloatTensor> gradients(TokenBatch b, int[] labelIds, long dropoutSeed) {
    return gradients(b, Targets.classes(labelIds), dropoutSeed);
  }

  /** Gradients of the loss with respect to every trained weight, by name (no update). */
  public Map<String, FloatTensor> gradients(TokenBatch b, Targets t, long dropoutSeed) {
    if (train == null) {
      throw new IllegalStateException("this graph was built for evaluation (no gradients)");
    }
    try (Result r = run(b, t, 0f, 1, dropoutSeed, 1f, false, grads)) {
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

  private Result run(
      TokenBatch b,
      Targets t,
      float learningRate,
      long stepNumber,
      long dropoutSeed,
      float scale,
      boolean update,
      List<? extends Operand<?>> fetches) {
    if (b.seqLen() > spec.maxPositions()) {
      throw new IllegalArgumentException(
          "sequence length "
              + b.seqLen()
              + " exceeds the model's "
              + spec.maxPositions()
              + " positions");
    }
    Map<Placeholder<?>, Tensor> feeds = new HashMap<>();
    TFloat32 scaleFeed = null;
    try {
      objective.feed(t, b, feeds);
      feeds.put(ids, Tensors.ints(b.inputIds(), b.size(), b.seqLen()));
      feeds.put(mask, Tensors.ints(b.attentionMask(), b.size(), b.seqLen()));
      if (spec.architecture() == Architecture.BERT) {
        feeds.put(types, Tensors.ints(b.tokenTypeIds(), b.size(), b.seqLen()));
      }
      feeds.put(lr, TFloat32.scalarOf(learningRate));
      feeds.put(step, TFloat32.scalarOf(stepNumber));
      feeds.put(seed, TInt64.scalarOf(dropoutSeed));
      Session.Runner r = session.runner();
      feeds.forEach(r::feed);
      if (distillScale != null && scale != 1f) {
        scaleFeed = TFloat32.scalarOf(scale);
        r.feed(distillScale, scaleFeed);
      }
      fetches.forEach(r::fetch);
      if (update) {
        r.addTarget(train);
      }
      return r.run();
    } finally {
      feeds.values().forEach(Tensor::close);
      if (scaleFeed != null) {
        scaleFeed.close();
      }
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
