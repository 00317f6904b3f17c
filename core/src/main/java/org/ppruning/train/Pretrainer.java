package org.ppruning.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.ppruning.util.Progress;

/**
 * Trains a GPT-2-shaped model from scratch with the causal-LM objective: a fixed number of steps
 * over shuffled rows of the training text, AdamW with linear warm-up and cosine decay to a tenth of
 * the peak rate, clipping at norm 1. Used for the self-trained model that stands in for GPT-2
 * weights, which no registry here publishes.
 */
public final class Pretrainer {
  private Pretrainer() {}

  /**
   * @param steps optimiser steps
   * @param learningRate peak learning rate
   * @param batchSize rows per step
   * @param seed initialisation, shuffling and dropout seed
   * @param warmup fraction of steps with a rising rate
   * @param weightDecay AdamW decoupled weight decay (not on biases and LayerNorm)
   * @param dropout dropout rate
   */
  public record Config(
      int steps,
      float learningRate,
      int batchSize,
      long seed,
      float warmup,
      float weightDecay,
      float dropout) {
    public Config {
      if (steps <= 0 || batchSize <= 0 || !(learningRate > 0) || !(warmup >= 0 && warmup < 1)) {
        throw new IllegalArgumentException(
            "need steps > 0, batch > 0, learning rate > 0 and"
                + " warm-up in [0, 1); got "
                + steps
                + ", "
                + batchSize
                + ", "
                + learningRate
                + ", "
                + warmup);
      }
    }
  }

  /**
   * @param weights the trained weights (the last good ones if training stopped early)
   * @param steps steps taken
   * @param secondsPerStep mean wall time of a step
   * @param lossCurve mean training loss of every 50 steps
   * @param failure null, or why training stopped early
   */
  public record Result(
      Weights weights, int steps, double secondsPerStep, List<Double> lossCurve, String failure) {}

  /**
   * GPT-2's initialisation (Radford et al. 2019 and its released code): N(0, 0.02) for the
   * embeddings and projections, N(0, 0.01) for positions, residual projections scaled by 1/sqrt(2 *
   * layers), zero biases, unit LayerNorm gains.
   */
  public static Weights initGpt2(ModelSpec spec, long seed) {
    Random r = new Random(seed);
    Weights w = new Weights();
    double residual = 0.02 / Math.sqrt(2.0 * spec.numLayers());
    for (Map.Entry<String, long[]> e : ModelLayout.of(spec).shapes().entrySet()) {
      String n = e.getKey();
      FloatTensor t = FloatTensor.zeros(e.getValue());
      double std =
          n.equals(Gpt2Layout.WPE)
              ? 0.01
              : n.endsWith("/c_proj/w")
                  ? residual
                  : n.endsWith("/w") || n.equals(Gpt2Layout.WTE) ? 0.02 : 0;
      float fill = n.endsWith("/g") ? 1f : 0f;
      for (int i = 0; i < t.size(); i++) {
        t.data()[i] = std > 0 ? (float) (std * r.nextGaussian()) : fill;
      }
      w.put(n, t);
    }
    return w;
  }

  /** Trains {@code spec} (with a causal_lm head) from {@code init} on the rows of {@code train}. */
  public static Result run(
      ModelSpec spec, Weights init, Examples.Tokens train, Config c, PrintStream progress) {
    if (train.size() == 0) {
      throw new IllegalArgumentException("no training text");
    }
    int warm = Math.max(1, (int) Math.floor(c.warmup() * c.steps()));
    Random shuffle = new Random(c.seed() * 31 + 7);
    int[] order = Trainer.shuffled(train.size(), shuffle);
    int at = 0;
    List<Double> curve = new ArrayList<>();
    double windowSum = 0;
    int windowSteps = 0;
    Weights lastGood = init;
    long nanos = 0;
    int done = 0;
    String failure = null;
    Progress bar = new Progress(progress, "pretrain", c.steps(), "steps");
    try (TrainingGraph g =
        new TrainingGraph(
            spec, init, c.dropout(), 1f, new AdamW(0.9f, 0.95f, 1e-8f, c.weightDecay()))) {
      for (int step = 1; step <= c.steps(); step++) {
        int[] idx = new int[Math.min(c.batchSize(), train.size())];
        for (int i = 0; i < idx.length; i++) {
          if (at == order.length) {
            order = Trainer.shuffled(train.size(), shuffle);
            at = 0;
          }
          idx[i] = order[at++];
        }
        float lr =
            step <= warm
                ? c.learningRate() * step / warm
                : (float)
                    (c.learningRate()
                        * (0.1
                            + 0.9
                                * 0.5
                                * (1
                                    + Math.cos(
                                        Math.PI * (step - warm) / Math.max(1, c.steps() - warm)))));
        long t0 = System.nanoTime();
        TokenBatch b = train.batch(idx);
        TrainingGraph.StepResult r =
            g.step(b, train.targets(idx, b), lr, step, c.seed() * 1_000_003L + step);
        nanos += System.nanoTime() - t0;
        if (!Float.isFinite(r.loss())) {
          failure =
              String.format(
                  "loss became %s at step %d (learning rate %.3g); kept the"
                      + " weights of step %d",
                  r.loss(), step, lr, done - done % 50);
          break;
        }
        done = step;
        windowSum += r.loss();
        windowSteps++;
        if (step % 50 == 0 || step == c.steps()) {
          curve.add(windowSum / windowSteps);
          progress.printf(
              "step %d: mean loss %.4f (perplexity %.1f), learning rate %.3g%n",
              step, windowSum / windowSteps, Math.exp(windowSum / windowSteps), lr);
          windowSum = 0;
          windowSteps = 0;
          lastGood = g.readWeights();
        }
        bar.advance(1);
      }
      if (failure == null) {
        lastGood = g.readWeights();
      }
    }
    return new Result(lastGood, done, done == 0 ? 0 : nanos / 1e9 / done, curve, failure);
  }
}
