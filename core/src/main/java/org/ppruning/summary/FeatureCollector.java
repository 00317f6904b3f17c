package org.ppruning.summary;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ppruning.data.Sample;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.TokenSampler;
import org.ppruning.graph.TransformerModel;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.util.Progress;

/**
 * Step 1: runs the model's {@code profile} signature over task samples and gathers, per layer, the
 * activations of every head and neuron at k tokens chosen by {@link TokenSampler} (the same tokens
 * for every layer), plus every unit's mean |activation| over all non-padding tokens.
 *
 * <p>It is the streaming pipeline run in one process: each batch becomes activation summaries
 * ({@link SummaryBuilder}) that are merged ({@link SummaryState}) exactly as the pruner service
 * merges the profiler's, so both choose the same units from the same samples. Samples are padded to
 * lengths of their own and profiled in runs of fixed rows, each in a row of its own ({@link
 * ProfileBatch#group}), which makes the result independent of the batching, bit for bit.
 */
public final class FeatureCollector {
  /** The task name in the summaries of an in-process run (features do not depend on it). */
  public static final String TASK = "local";

  /** Records never leave the process here: only protobuf's 2 GiB message limit matters. */
  private static final int IN_PROCESS_MAX_BYTES = 64 << 20;

  private FeatureCollector() {}

  /**
   * Profiles {@code samples} with the default summary configuration and runs of {@code rowsPerRun}
   * rows ({@link Summaries#config(String, org.ppruning.model.ModelSpec, long, int, int)}). The
   * features equal a stream's bit for bit when its rows per run are the same ({@link
   * Summaries#DEFAULT_ROWS_PER_RUN} for the services).
   *
   * @param tokens k, the sampled tokens
   * @param rowsPerRun the rows of every {@code profile} run
   */
  public static ActivationFeatures collect(
      TransformerModel model,
      TextTokenizer tok,
      List<Sample> samples,
      int tokens,
      long seed,
      int rowsPerRun,
      PrintStream progress) {
    if (tokens <= 0 || rowsPerRun <= 0) {
      throw new IllegalArgumentException(
          "tokens and rows per run must be > 0, got " + tokens + " and " + rowsPerRun);
    }
    return collect(
        model,
        tok,
        samples,
        Summaries.config(TASK, model.spec(), seed, tokens, rowsPerRun),
        progress);
  }

  /**
   * Profiles {@code samples} and merges their summaries.
   *
   * @param config the summaries' configuration (k, seed, padding, row encoding, rows per run); its
   *     model must be {@code model}
   */
  public static ActivationFeatures collect(
      TransformerModel model,
      TextTokenizer tok,
      List<Sample> samples,
      SummaryConfig config,
      PrintStream progress) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to profile");
    }
    List<TokenizedSample> tokenized = tokenize(model, tok, samples);
    long totalTokens = 0;
    for (TokenizedSample s : tokenized) {
      totalTokens += s.length();
    }
    if (totalTokens < config.getTokens()) {
      throw new IllegalArgumentException(
          "asked for "
              + config.getTokens()
              + " sampled tokens,"
              + " but the "
              + samples.size()
              + " samples hold only "
              + totalTokens
              + " tokens");
    }
    SummaryBuilder builder = SummaryBuilder.forSamples(config, IN_PROCESS_MAX_BYTES, tokenized);
    SummaryState state = new SummaryState(config);
    Progress bar = new Progress(progress, "profiling", samples.size(), "samples");
    long position = 0;
    for (ProfileBatch batch : ProfileBatch.group(tokenized, config, tok.padId())) {
      var source = Summaries.source(Summaries.BATCH_COMMAND_SOURCE, position, position + 1);
      position++;
      for (ActivationSummary s : Summaries.at(source, builder.profile(model, batch))) {
        state.merge(s);
      }
      bar.advance(batch.sampleIds().size());
    }
    bar.done();
    return state.toFeatures();
  }

  private static List<TokenizedSample> tokenize(
      TransformerModel model, TextTokenizer tok, List<Sample> samples) {
    List<TokenizedSample> out = new ArrayList<>(samples.size());
    Set<String> seen = new HashSet<>();
    for (Sample x : samples) {
      if (!seen.add(x.id())) {
        throw new IllegalArgumentException("duplicate sample id '" + x.id() + "'");
      }
      out.add(SampleEncoding.encode(tok, x, model.spec().maxPositions(), false).sample());
    }
    return out;
  }
}
