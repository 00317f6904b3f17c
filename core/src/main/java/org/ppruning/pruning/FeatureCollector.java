package org.ppruning.pruning;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.ppruning.data.Sample;
import org.ppruning.graph.ProfileNames;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Step 1: runs the model's {@code profile} signature over task samples and gathers, per layer,
 * the activations of every head and neuron at k tokens chosen by {@link TokenSampler} (the same
 * tokens for every layer), plus every unit's mean |activation| over all non-padding tokens.
 * Samples are batched by length to keep padding small; the result does not depend on batching.
 */
public final class FeatureCollector {
  private FeatureCollector() {}

  /** Where one sampled token is: sample, position in it, and its row in the feature matrices. */
  private record Pick(long hash, int sample, int pos) {}

  public static ActivationFeatures collect(TransformerModel model, TextTokenizer tok,
      List<Sample> samples, int tokens, long seed, int batchSize, PrintStream progress) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to profile");
    }
    if (tokens <= 0 || batchSize <= 0) {
      throw new IllegalArgumentException("tokens and batch size must be > 0, got " + tokens
          + " and " + batchSize);
    }
    ModelSpec spec = model.spec();
    int n = samples.size();
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    Set<String> seen = new HashSet<>();
    long totalTokens = 0;
    for (int s = 0; s < n; s++) {
      Sample x = samples.get(s);
      if (!seen.add(x.id())) {
        throw new IllegalArgumentException("duplicate sample id '" + x.id() + "'");
      }
      TokenBatch b;
      try {
        b = tok.encode(List.of(x.text()), x.textPair() == null ? null : List.of(x.textPair()),
            spec.maxPositions());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("sample '" + x.id() + "': " + e.getMessage(), e);
      }
      ids[s] = b.inputIds();
      types[s] = b.tokenTypeIds();
      totalTokens += ids[s].length;
    }
    if (totalTokens < tokens) {
      throw new IllegalArgumentException("asked for " + tokens + " sampled tokens, but the "
          + n + " samples hold only " + totalTokens + " tokens");
    }

    // Bottom-k over all tokens: a max-heap keeps the k smallest hashes seen so far.
    Comparator<Pick> byHash = (a, b) -> TokenSampler.compare(a.hash, samples.get(a.sample).id(),
        a.pos, b.hash, samples.get(b.sample).id(), b.pos);
    PriorityQueue<Pick> heap = new PriorityQueue<>(tokens + 1, byHash.reversed());
    for (int s = 0; s < n; s++) {
      for (int p = 0; p < ids[s].length; p++) {
        Pick c = new Pick(TokenSampler.hash(samples.get(s).id(), p, seed), s, p);
        if (heap.size() < tokens) {
          heap.add(c);
        } else if (byHash.compare(c, heap.peek()) < 0) {
          heap.poll();
          heap.add(c);
        }
      }
    }
    List<Pick> picks = new ArrayList<>(heap);
    picks.sort(byHash);
    // rank[s] maps position -> feature row for the picked tokens of sample s.
    Map<Integer, Map<Integer, Integer>> rank = new java.util.HashMap<>();
    for (int r = 0; r < picks.size(); r++) {
      rank.computeIfAbsent(picks.get(r).sample, k -> new java.util.HashMap<>())
          .put(picks.get(r).pos, r);
    }

    int layers = spec.numLayers();
    int dh = spec.headSize();
    float[][] headRows = new float[layers][];
    float[][] neuronRows = new float[layers][];
    double[][] headSal = new double[layers][];
    double[][] neuronSal = new double[layers][];
    for (int l = 0; l < layers; l++) {
      headRows[l] = new float[tokens * spec.layers().get(l).heads() * dh];
      neuronRows[l] = new float[tokens * spec.layers().get(l).ffn()];
      headSal[l] = new double[spec.layers().get(l).heads()];
      neuronSal[l] = new double[spec.layers().get(l).ffn()];
    }

    Integer[] order = new Integer[n];
    for (int s = 0; s < n; s++) {
      order[s] = s;
    }
    Arrays.sort(order, Comparator.comparingInt(s -> ids[s].length)); // stable: less padding
    Progress bar = new Progress(progress, "profiling", n, "samples");
    for (int from = 0; from < n; from += batchSize) {
      int size = Math.min(batchSize, n - from);
      int seqLen = ids[order[from + size - 1]].length;
      int[] bIds = new int[size * seqLen];
      int[] bMask = new int[size * seqLen];
      int[] bTypes = new int[size * seqLen];
      Arrays.fill(bIds, tok.padId());
      List<Integer> positions = new ArrayList<>();
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int s = order[from + i];
        System.arraycopy(ids[s], 0, bIds, i * seqLen, ids[s].length);
        System.arraycopy(types[s], 0, bTypes, i * seqLen, ids[s].length);
        Arrays.fill(bMask, i * seqLen, i * seqLen + ids[s].length, 1);
        Map<Integer, Integer> picked = rank.get(s);
        if (picked != null) {
          for (Map.Entry<Integer, Integer> e : picked.entrySet()) {
            positions.add(i * seqLen + e.getKey());
            rows.add(e.getValue());
          }
        }
      }
      TokenBatch batch = new TokenBatch(size, seqLen, bIds, bMask, bTypes);
      Map<String, FloatTensor> out = model.profile(batch,
          positions.stream().mapToInt(Integer::intValue).toArray());
      for (int l = 0; l < layers; l++) {
        scatter(out.get(ProfileNames.context(l)), rows, headRows[l]);
        scatter(out.get(ProfileNames.activation(l)), rows, neuronRows[l]);
        add(headSal[l], out.get(ProfileNames.contextAbsSum(l)), dh);
        add(neuronSal[l], out.get(ProfileNames.activationAbsSum(l)), 1);
      }
      bar.advance(size);
    }
    bar.done();

    List<LayerFeatures> result = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      int w = spec.layers().get(l).heads() * dh;
      int f = spec.layers().get(l).ffn();
      for (double[] sal : new double[][] {headSal[l], neuronSal[l]}) {
        for (int i = 0; i < sal.length; i++) {
          sal[i] /= totalTokens;
        }
      }
      result.add(new LayerFeatures(new FloatTensor(new long[] {tokens, w}, headRows[l]),
          new FloatTensor(new long[] {tokens, f}, neuronRows[l]), headSal[l], neuronSal[l]));
    }
    return new ActivationFeatures(result, dh, n, totalTokens, tokens, seed,
        (double) totalTokens / n);
  }

  /** Copies row i of {@code src} [K, w] to row rows[i] of {@code dst} [k, w]. */
  private static void scatter(FloatTensor src, List<Integer> rows, float[] dst) {
    int w = src.rank() == 2 ? (int) src.dim(1) : 0;
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(src.data(), i * w, dst, rows.get(i) * w, w);
    }
  }

  /** Adds the per-sample sums [B, units * group] to acc, averaging each unit's group. */
  private static void add(double[] acc, FloatTensor t, int group) {
    int w = acc.length * group;
    for (int i = 0; i < t.size(); i++) {
      acc[(i % w) / group] += t.data()[i] / (double) group;
    }
  }
}
