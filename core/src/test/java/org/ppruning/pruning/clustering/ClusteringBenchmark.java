package org.ppruning.pruning.clustering;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Timings of the clustering step at BERT-base sizes (3,072 FFN neurons, 12 heads). Prints only:
 * tagged {@code bench} and excluded from the default test run. Run with
 * {@code mvn -o -pl core test -Dtest=ClusteringBenchmark -Dtest.excluded.groups=}.
 */
@Tag("bench")
class ClusteringBenchmark {

  @Test
  void ffnLayer() {
    int n = 3072;
    DistanceMatrix uniform =
        DistanceMatrix.of(NaiveClustering.randomDistances(n, 1, Random::nextFloat));
    DistanceMatrix points = DistanceMatrix.of(euclidean(n, 16, 2));
    System.out.printf("%d units, %d threads in the common pool (+ caller)%n", n,
        java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      Dendrogram direct = CompleteLinkage.fit(uniform);
      long t1 = System.nanoTime();
      Dendrogram directPoints = CompleteLinkage.fit(points);
      long t2 = System.nanoTime();
      DistanceMatrix proximity = ChebyshevRows.proximity(uniform);
      long t3 = System.nanoTime();
      Dendrogram reference = CompleteLinkage.fit(proximity);
      long t4 = System.nanoTime();
      Dendrogram viaEntry = Clustering.fit(uniform, LinkageMode.REFERENCE);
      long t5 = System.nanoTime();
      System.out.printf("round %d: DIRECT uniform %.3f s, DIRECT clustered points %.3f s, "
              + "REFERENCE proximity %.3f s + linkage %.3f s, Clustering.fit(REFERENCE) %.3f s "
              + "(same tree: %s; last heights %.6f %.6f)%n",
          round, secs(t0, t1), secs(t1, t2), secs(t2, t3), secs(t3, t4), secs(t4, t5),
          reference.equals(viaEntry), direct.heights()[n - 2], reference.heights()[n - 2]);
      blackhole += directPoints.heights()[0];
    }
  }

  @Test
  void headLayer() {
    int n = 12;
    DistanceMatrix d = DistanceMatrix.of(NaiveClustering.randomDistances(n, 3, Random::nextFloat));
    for (int round = 0; round < 3; round++) {
      for (LinkageMode mode : LinkageMode.values()) {
        int reps = 200_000;
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
          blackhole += Clustering.fit(d, mode).heights()[n - 2];
        }
        System.out.printf("round %d: 12 units %s %.2f us per fit%n", round, mode,
            (System.nanoTime() - t0) / 1e3 / reps);
      }
    }
  }

  static double blackhole;

  static double secs(long from, long to) {
    return (to - from) / 1e9;
  }

  /** Distances between random points around a few centres, scaled into [0, 1]. */
  static float[][] euclidean(int n, int dim, long seed) {
    Random random = new Random(seed);
    double[][] centres = new double[24][dim];
    for (double[] c : centres) {
      for (int k = 0; k < dim; k++) {
        c[k] = random.nextGaussian() * 3;
      }
    }
    double[][] x = new double[n][dim];
    for (int i = 0; i < n; i++) {
      double[] c = centres[random.nextInt(centres.length)];
      for (int k = 0; k < dim; k++) {
        x[i][k] = c[k] + random.nextGaussian();
      }
    }
    double[][] e = new double[n][n];
    double max = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double s = 0;
        for (int k = 0; k < dim; k++) {
          double t = x[i][k] - x[j][k];
          s += t * t;
        }
        e[i][j] = Math.sqrt(s);
        max = Math.max(max, e[i][j]);
      }
    }
    float[][] d = new float[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        d[i][j] = (float) (e[i][j] / max);
        d[j][i] = d[i][j];
      }
    }
    return d;
  }
}
