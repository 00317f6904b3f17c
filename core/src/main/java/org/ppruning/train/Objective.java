package org.ppruning.train;

import java.util.Map;
import org.ppruning.graph.Forward;
import org.ppruning.graph.Tensors;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One loss per head kind, on the outputs of the inference forward pass. Cross-entropies are {@code
 * -sum(oneHot * logSoftmax(logits))}: TensorFlow has no gradient for the sparse op.
 *
 * <ul>
 *   <li>classification: cross-entropy of the label, mean over the batch;
 *   <li>regression: squared error of {@code score}, mean over the batch;
 *   <li>extractive QA: mean of the start and end token cross-entropies, padding masked out of the
 *       softmax, mean over the batch;
 *   <li>causal / masked LM: cross-entropy of the target token at each scored position (gathered
 *       from the [B * T, V] logits), mean over the positions.
 * </ul>
 */
abstract class Objective {
  private Operand<TFloat32> perItem;
  private Operand<TFloat32> loss;

  /** Set by the kinds that have a top-1 prediction. */
  Operand<TFloat32> hits;

  /** Mean loss (scalar). */
  final Operand<TFloat32> loss() {
    return loss;
  }

  /** Loss of each item (sample or scored token). */
  final Operand<TFloat32> perItem() {
    return perItem;
  }

  /** Per item 1 if the top-1 prediction is the target, else 0; null if the kind has none. */
  final Operand<TFloat32> hits() {
    return hits;
  }

  /** Sets the per-item loss [N] and, as the loss, its mean (subclass constructors call it once). */
  final void items(Ops tf, Operand<TFloat32> perItem) {
    this.perItem = perItem;
    this.loss = tf.math.mean(perItem, tf.constant(0));
  }

  /** Checks the targets against the batch and adds the target feeds. */
  abstract void feed(Targets t, TokenBatch b, Map<Placeholder<?>, Tensor> feeds);

  static Objective build(
      Ops tf, ModelSpec spec, Forward fw, Operand<TInt32> ids, Operand<TInt32> mask) {
    Ops o = tf.withSubScope("objective");
    return switch (spec.head().type()) {
      case TaskHead.CLASSIFICATION -> new Classification(o, fw, spec.head().labels().size());
      case TaskHead.REGRESSION -> new Regression(o, fw);
      case TaskHead.EXTRACTIVE_QA -> new Span(o, fw, mask);
      case TaskHead.CAUSAL_LM, TaskHead.MASKED_LM ->
          new Tokens(
              o,
              fw,
              spec.architecture() == Architecture.GPT2 ? "logits" : "mlm_logits",
              spec.vocabSize());
      default -> throw new IllegalArgumentException("no objective for head " + spec.head().type());
    };
  }

  /** -sum(oneHot(target) * logSoftmax(logits)) over the last axis: [..., C] -> [...]. */
  static Operand<TFloat32> crossEntropy(
      Ops tf, Operand<TFloat32> logits, Operand<TInt32> target, Operand<TInt32> classes) {
    var oneHot = tf.oneHot(target, classes, tf.constant(1f), tf.constant(0f));
    return tf.math.neg(
        tf.reduceSum(tf.math.mul(oneHot, tf.nn.logSoftmax(logits)), tf.constant(-1)));
  }

  private static void count(String what, int got, int want) {
    if (got != want) {
      throw new IllegalArgumentException(got + " " + what + " for a batch of " + want);
    }
  }

  private static void require(Object field, String kind, String what) {
    if (field == null) {
      throw new IllegalArgumentException(
          "a " + kind + " head trains on " + what + "; the targets hold none");
    }
  }

  static final class Classification extends Objective {
    private final Placeholder<TInt32> labels;
    private final int numLabels;

    Classification(Ops tf, Forward fw, int numLabels) {
      this.numLabels = numLabels;
      labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> logits = fw.outputs().get("logits"); // [B, L]
      items(tf, crossEntropy(tf, logits, labels, tf.constant(numLabels))); // [B]
    }

    @Override
    void feed(Targets t, TokenBatch b, Map<Placeholder<?>, Tensor> feeds) {
      require(t.classes(), TaskHead.CLASSIFICATION, "label ids");
      count("labels", t.classes().length, b.size());
      for (int l : t.classes()) {
        if (l < 0 || l >= numLabels) {
          throw new IllegalArgumentException("label id " + l + " outside 0.." + (numLabels - 1));
        }
      }
      feeds.put(labels, Tensors.ints(t.classes(), t.classes().length));
    }
  }

  static final class Regression extends Objective {
    private final Placeholder<TFloat32> scores;

    Regression(Ops tf, Forward fw) {
      scores = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      items(tf, tf.math.squaredDifference(fw.outputs().get("score"), scores)); // [B]
    }

    @Override
    void feed(Targets t, TokenBatch b, Map<Placeholder<?>, Tensor> feeds) {
      require(t.scores(), TaskHead.REGRESSION, "scores");
      count("scores", t.scores().length, b.size());
      for (float s : t.scores()) {
        if (!Float.isFinite(s)) {
          throw new IllegalArgumentException("regression target " + s + " is not a number");
        }
      }
      feeds.put(scores, TFloat32.vectorOf(t.scores()));
    }
  }

  static final class Span extends Objective {
    private final Placeholder<TInt32> starts;
    private final Placeholder<TInt32> ends;

    Span(Ops tf, Forward fw, Operand<TInt32> mask) {
      starts = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      ends = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      var seq = tf.gather(tf.shape(mask), tf.constant(1), tf.constant(0)); // T
      // Padding can be neither start nor end: -10000 before the softmax.
      var padBias =
          tf.math.mul(
              tf.math.sub(tf.constant(1f), tf.dtypes.cast(mask, TFloat32.class)),
              tf.constant(-10000f)); // [B, T]
      var s = crossEntropy(tf, tf.math.add(fw.outputs().get("start_logits"), padBias), starts, seq);
      var e = crossEntropy(tf, tf.math.add(fw.outputs().get("end_logits"), padBias), ends, seq);
      items(tf, tf.math.mul(tf.math.add(s, e), tf.constant(0.5f))); // [B]
    }

    @Override
    void feed(Targets t, TokenBatch b, Map<Placeholder<?>, Tensor> feeds) {
      require(t.starts(), TaskHead.EXTRACTIVE_QA, "start and end tokens");
      count("start tokens", t.starts().length, b.size());
      count("end tokens", t.ends().length, b.size());
      for (int i = 0; i < b.size(); i++) {
        int s = t.starts()[i];
        int e = t.ends()[i];
        if (s < 0 || e < s || e >= b.seqLen() || b.attentionMask()[i * b.seqLen() + e] == 0) {
          throw new IllegalArgumentException(
              "sample "
                  + i
                  + ": answer span "
                  + s
                  + ".."
                  + e
                  + " is not inside its "
                  + b.seqLen()
                  + "-token sequence (padding excluded)");
        }
      }
      feeds.put(starts, Tensors.ints(t.starts(), b.size()));
      feeds.put(ends, Tensors.ints(t.ends(), b.size()));
    }
  }

  static final class Tokens extends Objective {
    private final Placeholder<TInt32> positions;
    private final Placeholder<TInt32> tokens;
    private final int vocab;

    Tokens(Ops tf, Forward fw, String output, int vocab) {
      this.vocab = vocab;
      positions = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      tokens = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      var flat = tf.reshape(fw.outputs().get(output), tf.constant(new int[] {-1, vocab})); // [N, V]
      var scored = tf.gather(flat, positions, tf.constant(0)); // [K, V]
      items(tf, crossEntropy(tf, scored, tokens, tf.constant(vocab))); // [K]
      var top1 = tf.math.argMax(scored, tf.constant(1), TInt32.class); // [K]
      hits = tf.dtypes.cast(tf.math.equal(top1, tokens), TFloat32.class); // [K]
    }

    @Override
    void feed(Targets t, TokenBatch b, Map<Placeholder<?>, Tensor> feeds) {
      require(t.positions(), "language-model", "token positions");
      if (t.positions().length == 0) {
        throw new IllegalArgumentException("no token to predict in this batch");
      }
      int n = b.size() * b.seqLen();
      for (int i = 0; i < t.positions().length; i++) {
        int p = t.positions()[i];
        if (p < 0 || p >= n || b.attentionMask()[p] == 0) {
          throw new IllegalArgumentException(
              "scored position " + p + " is padding or outside the" + " batch's " + n + " tokens");
        }
        if (t.tokens()[i] < 0 || t.tokens()[i] >= vocab) {
          throw new IllegalArgumentException(
              "target token " + t.tokens()[i] + " outside the vocabulary [0, " + vocab + ")");
        }
      }
      feeds.put(positions, Tensors.ints(t.positions(), t.positions().length));
      feeds.put(tokens, Tensors.ints(t.tokens(), t.tokens().length));
    }
  }
}
