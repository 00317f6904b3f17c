package org.ppruning.summary;

import org.ppruning.summary.proto.LayerSums;
import org.ppruning.summary.proto.ModelFingerprint;
import org.ppruning.summary.proto.Statistics;

/** Sample and token counts and exact per-unit salience sums (the Statistics message). */
final class Totals {
  long samples;
  long tokens;
  final ExactSums[] heads;
  final ExactSums[] neurons;

  Totals(ModelFingerprint m) {
    int layers = m.getHeadsCount();
    heads = new ExactSums[layers];
    neurons = new ExactSums[layers];
    for (int l = 0; l < layers; l++) {
      heads[l] = new ExactSums(m.getHeads(l));
      neurons[l] = new ExactSums(m.getNeurons(l));
    }
  }

  /** Reads a Statistics message, checking it against the model; {@code what} names it. */
  static Totals from(Statistics s, ModelFingerprint m, String what) {
    Totals t = new Totals(m);
    if (s.getLayersCount() != t.heads.length) {
      throw new IllegalArgumentException(
          what
              + ": statistics for "
              + s.getLayersCount()
              + " layers, the model has "
              + t.heads.length);
    }
    if (s.getSamples() < 0 || s.getTokens() < s.getSamples()) {
      throw new IllegalArgumentException(
          what
              + ": "
              + Long.toUnsignedString(s.getSamples())
              + " samples with "
              + Long.toUnsignedString(s.getTokens())
              + " tokens (every sample has at least one)");
    }
    t.samples = s.getSamples();
    t.tokens = s.getTokens();
    for (int l = 0; l < t.heads.length; l++) {
      LayerSums ls = s.getLayers(l);
      read(ls.getHeads(), t.heads[l], what + " layer " + l + " head sums");
      read(ls.getNeurons(), t.neurons[l], what + " layer " + l + " neuron sums");
    }
    return t;
  }

  private static void read(org.ppruning.summary.proto.ExactSums p, ExactSums into, String what) {
    if (p.getLeadCount() != into.units() || p.getExtraUnitCount() != p.getExtraCount()) {
      throw new IllegalArgumentException(
          what
              + ": "
              + p.getLeadCount()
              + " leading terms for "
              + into.units()
              + " units, "
              + p.getExtraUnitCount()
              + " extra units for "
              + p.getExtraCount()
              + " extra terms");
    }
    try {
      for (int u = 0; u < into.units(); u++) {
        into.add(u, p.getLead(u));
      }
      for (int j = 0; j < p.getExtraCount(); j++) {
        int u = p.getExtraUnit(j);
        if (u < 0 || u >= into.units()) {
          throw new IllegalArgumentException(
              "extra term "
                  + j
                  + " names unit "
                  + Integer.toUnsignedString(u)
                  + " of "
                  + into.units());
        }
        into.add(u, p.getExtra(j));
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  void add(Totals o) {
    samples = Math.addExact(samples, o.samples);
    tokens = Math.addExact(tokens, o.tokens);
    for (int l = 0; l < heads.length; l++) {
      heads[l].addAll(o.heads[l]);
      neurons[l].addAll(o.neurons[l]);
    }
  }

  Statistics toProto() {
    Statistics.Builder b = Statistics.newBuilder().setSamples(samples).setTokens(tokens);
    for (int l = 0; l < heads.length; l++) {
      b.addLayers(LayerSums.newBuilder().setHeads(write(heads[l])).setNeurons(write(neurons[l])));
    }
    return b.build();
  }

  private static org.ppruning.summary.proto.ExactSums write(ExactSums s) {
    var b = org.ppruning.summary.proto.ExactSums.newBuilder();
    for (int u = 0; u < s.units(); u++) {
      double[] terms = s.terms(u);
      b.addLead(terms.length == 0 ? 0.0 : terms[0]);
      for (int j = 1; j < terms.length; j++) {
        b.addExtraUnit(u).addExtra(terms[j]);
      }
    }
    return b.build();
  }
}
