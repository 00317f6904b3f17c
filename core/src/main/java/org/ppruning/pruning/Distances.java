package org.ppruning.pruning;

import java.util.Arrays;
import org.ppruning.graph.Tensors;
import org.ppruning.model.FloatTensor;
import org.ppruning.pruning.clustering.DistanceMatrix;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * Step 2 (Wang et al., 2024, Sec. 3.2): pairwise unit distances within one layer, from the
 * activations at the sampled tokens.
 *
 * <ul>
 *   <li>Neurons: {@code 1 - |cos(a_i, a_j)|} between activation vectors over the k tokens.
 *   <li>Heads: the {@code |cos|} matrix between the two heads' dimensions (each dimension a vector
 *       over the k tokens), a greedy one-to-one matching of dimensions (take the largest remaining
 *       entry whose row and column are both unused, dh times; ties to the lowest flat index, as
 *       torch.argmax), and {@code 1 - mean(matched)}.
 * </ul>
 *
 * A unit whose activations are all zero has cosine 0 with everything (distance 1), as in the
 * reference's torch cosine; the diagonal is exactly 0. The |cos| Gram matrix is one TensorFlow
 * matmul (3072 x 200 x 3072 takes milliseconds; a Java loop takes about a second per layer).
 *
 * <p>The step maps a layer's features (a {@link FloatTensor} of activations, see {@link
 * org.ppruning.features.LayerFeatures}) to the immutable {@link DistanceMatrix} the clustering step
 * reads. It is an instance rather than a static function because it owns the TensorFlow graph and
 * session of that matmul, built once per run and closed with it.
 */
public final class Distances implements AutoCloseable {
  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TFloat32> input;
  private final org.tensorflow.Operand<TFloat32> absCos;

  public Distances() {
    Ops tf = Ops.create(graph);
    input = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1))); // [k, n]
    var norms = tf.math.sqrt(tf.reduceSum(tf.math.square(input), tf.constant(0))); // [n]
    var unit = tf.math.divNoNan(input, norms); // [k, n]; zero columns stay zero
    absCos = tf.math.abs(tf.linalg.matMul(unit, unit, MatMul.transposeA(true))); // [n, n]
    session = new Session(graph);
  }

  /** |cos| between the columns of x [k, n], as a row-major n x n array. */
  float[] absCosine(FloatTensor x) {
    if (x.rank() != 2) {
      throw new IllegalArgumentException(
          "features must be [tokens, units], got " + x.shapeString());
    }
    int n = (int) x.dim(1);
    if (n == 0) {
      return new float[0];
    }
    try (TFloat32 in = Tensors.of(x);
        Result r = session.runner().feed(input, in).fetch(absCos).run()) {
      float[] g = Tensors.copy(r.get(0)).data();
      for (float v : g) {
        if (Float.isNaN(v)) {
          throw new IllegalArgumentException("activations contain NaN or infinity");
        }
      }
      return g;
    }
  }

  /**
   * Neuron distances {@code 1 - |cos|} between the columns of activations [k, n]: n units,
   * symmetric, zero diagonal.
   */
  public DistanceMatrix neurons(FloatTensor activations) {
    float[] d = absCosine(activations);
    int n = (int) activations.dim(1);
    for (int i = 0; i < d.length; i++) {
      d[i] = 1f - Math.min(1f, d[i]); // |cos| may exceed 1 by rounding
    }
    for (int i = 0; i < n; i++) {
      d[i * n + i] = 0f;
      for (int j = i + 1; j < n; j++) { // the matmul need not round both halves alike
        float m = (d[i * n + j] + d[j * n + i]) / 2;
        d[i * n + j] = m;
        d[j * n + i] = m;
      }
    }
    return DistanceMatrix.ofRowMajor(n, d);
  }

  /** Head distances from context vectors [k, heads * headSize]: one unit per head. */
  public DistanceMatrix heads(FloatTensor contexts, int headSize) {
    if (headSize <= 0) {
      throw new IllegalArgumentException("head size must be > 0, got " + headSize);
    }
    int w = (int) contexts.dim(1);
    if (w % headSize != 0) {
      throw new IllegalArgumentException(
          "context width " + w + " is not a multiple of the head" + " size " + headSize);
    }
    int h = w / headSize;
    float[] g = absCosine(contexts); // [w, w]
    float[] d = new float[h * h];
    float[] block = new float[headSize * headSize];
    for (int a = 0; a < h; a++) {
      for (int b = a + 1; b < h; b++) {
        for (int r = 0; r < headSize; r++) {
          System.arraycopy(g, (a * headSize + r) * w + b * headSize, block, r * headSize, headSize);
        }
        float dist = 1f - (float) greedyMatchMean(block, headSize);
        d[a * h + b] = dist;
        d[b * h + a] = dist;
      }
    }
    return DistanceMatrix.ofRowMajor(h, d);
  }

  /**
   * Mean of a greedy one-to-one matching on an m x m similarity matrix: repeatedly take the largest
   * entry whose row and column are unused (ties to the lower flat index).
   */
  static double greedyMatchMean(float[] sim, int m) {
    Integer[] idx = new Integer[m * m];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(
        idx,
        (x, y) -> {
          int c = Float.compare(sim[y], sim[x]);
          return c != 0 ? c : Integer.compare(x, y);
        });
    boolean[] rowUsed = new boolean[m];
    boolean[] colUsed = new boolean[m];
    double sum = 0;
    int matched = 0;
    for (int k = 0; k < idx.length && matched < m; k++) {
      int r = idx[k] / m;
      int c = idx[k] % m;
      if (!rowUsed[r] && !colUsed[c]) {
        rowUsed[r] = true;
        colUsed[c] = true;
        sum += Math.min(1f, sim[idx[k]]);
        matched++;
      }
    }
    return sum / m;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
