package org.ppruning.pruning.clustering;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import smile.clustering.HierarchicalClustering;

/**
 * Timings of the clustering step at BERT-base sizes (3,072 FFN neurons, 12 heads). Prints only:
 * tagged {@code bench} and excluded from the default test run. Run with {@code mvn -o -pl core test
 * -Dtest=ClusteringBenchmark -Dtest.excluded.groups=}.
 */
@Tag("bench")
class ClusteringBenchmark {

  @Test
  void ffnLayer() {
    int n = 3072;
    DistanceMatrix uniform =
        DistanceMatrix.of(NaiveClustering.randomDistances(n, 1, Random::nextFloat));
    DistanceMatrix points = DistanceMatrix.of(euclidean(n, 16, 2));
    double[][] smileInput = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        smileInput[i][j] = uniform.get(i, j);
      }
    }
    System.out.printf(
        "%d units, Java %s, %d cores%n",
        n, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    for (int round = 0; round < 3; round++) {
      Clock clock = new Clock();
      Dendrogram direct = CompleteLinkage.fit(uniform);
      String directTime = clock.lap();
      CompleteLinkage.fit(points);
      String pointsTime = clock.lap();
      DistanceMatrix proximity = ChebyshevRows.proximity(uniform);
      String proximityTime = clock.lap();
      Dendrogram reference = CompleteLinkage.fit(proximity);
      String linkageTime = clock.lap();
      Dendrogram viaEntry = Clustering.fit(uniform, LinkageMode.REFERENCE);
      String entryTime = clock.lap();
      HierarchicalClustering smile =
          HierarchicalClustering.fit(new smile.clustering.linkage.CompleteLinkage(smileInput));
      String smileTime = clock.lap();
      System.out.printf(
          "round %d (wall / process CPU): DIRECT uniform %s, DIRECT clustered "
              + "points %s; REFERENCE proximity %s, its linkage %s, Clustering.fit(REFERENCE) %s; "
              + "Smile 2.6.0 DIRECT %s (same tree: %s; same heights as Smile: %s)%n",
          round,
          directTime,
          pointsTime,
          proximityTime,
          linkageTime,
          entryTime,
          smileTime,
          reference.equals(viaEntry),
          Arrays.equals(direct.heights(), smile.getHeight()));
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
        System.out.printf(
            "round %d: 12 units %s %.2f us per fit%n",
            round, mode, (System.nanoTime() - t0) / 1e3 / reps);
      }
    }
  }

  static double blackhole;

  /** Wall and process CPU time since the previous lap. */
  static final class Clock {
    final OperatingSystemMXBean os =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long wall = System.nanoTime();
    long cpu = os.getProcessCpuTime();

    String lap() {
      long w = System.nanoTime();
      long c = os.getProcessCpuTime();
      String s = String.format("%.3f / %.3f s", (w - wall) / 1e9, (c - cpu) / 1e9);
      wall = w;
      cpu = c;
      return s;
    }
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
