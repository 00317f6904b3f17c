package org.ppruning.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;

/**
 * Checks the tensors of a {@code serving_default} request against the model and turns them into a
 * {@link TokenBatch}. Every refusal is INVALID_ARGUMENT and names the input, the position and the
 * expectation; nothing is clamped or cut.
 */
public final class TensorInputs {
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";

  private TensorInputs() {}

  /**
   * An integer input tensor as the transport decoded it.
   *
   * @param shape its dimensions
   * @param values row-major values; as many as the shape holds
   */
  public record IntTensor(long[] shape, int[] values) {}

  /** The inputs {@code serving_default} takes, in signature order. */
  public static List<String> names(ModelSpec spec) {
    return spec.architecture() == Architecture.BERT
        ? List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS)
        : List.of(INPUT_IDS, ATTENTION_MASK);
  }

  /**
   * @param maxLength the longest sequence accepted
   * @throws ServingException INVALID_ARGUMENT for an unknown or missing input, a shape that is not
   *     [batch, sequence] or differs between inputs, an empty batch, a sequence longer than {@code
   *     maxLength}, an id outside the vocabulary, a mask value other than 0 and 1, or a token type
   *     outside the model's types
   */
  public static TokenBatch toBatch(
      ServedVersion served, Map<String, IntTensor> inputs, int maxLength) {
    ModelSpec spec = served.spec();
    List<String> names = names(spec);
    String takes = "; signature serving_default of " + served + " takes " + names;
    for (String n : inputs.keySet()) {
      if (!names.contains(n)) {
        throw ServingException.invalid("unknown input '" + n + "'" + takes);
      }
    }
    List<String> missing = new ArrayList<>(names);
    missing.removeAll(inputs.keySet());
    if (!missing.isEmpty()) {
      throw ServingException.invalid(
          "missing input" + (missing.size() > 1 ? "s " : " ") + missing + takes);
    }
    IntTensor ids = inputs.get(INPUT_IDS);
    long[] shape = ids.shape();
    for (String n : names) {
      long[] s = inputs.get(n).shape();
      if (s.length != 2) {
        throw ServingException.invalid(
            "input '"
                + n
                + "' has shape "
                + Arrays.toString(s)
                + "; expected [batch, sequence] (rank 2)");
      }
      if (!Arrays.equals(s, shape)) {
        throw ServingException.invalid(
            "input '"
                + n
                + "' has shape "
                + Arrays.toString(s)
                + " but '"
                + INPUT_IDS
                + "' has "
                + Arrays.toString(shape)
                + "; all inputs must have one shape");
      }
      if (inputs.get(n).values().length != s[0] * s[1]) {
        throw ServingException.invalid(
            "input '"
                + n
                + "' has "
                + inputs.get(n).values().length
                + " values for shape "
                + Arrays.toString(s));
      }
    }
    if (shape[0] < 1 || shape[1] < 1) {
      throw ServingException.invalid(
          "input '"
              + INPUT_IDS
              + "' has the empty shape "
              + Arrays.toString(shape)
              + "; expected at least one sequence of one token");
    }
    if (shape[1] > maxLength) {
      throw ServingException.invalid(
          "sequence length "
              + shape[1]
              + " of input '"
              + INPUT_IDS
              + "' exceeds the limit of "
              + maxLength
              + " tokens of "
              + served);
    }
    int seq = (int) shape[1];
    checkRange(INPUT_IDS, ids.values(), seq, 0, spec.vocabSize(), "the vocabulary");
    checkRange(
        ATTENTION_MASK, inputs.get(ATTENTION_MASK).values(), seq, 0, 2, "the mask values {0, 1}");
    int[] types;
    if (spec.architecture() == Architecture.BERT) {
      types = inputs.get(TOKEN_TYPE_IDS).values();
      checkRange(TOKEN_TYPE_IDS, types, seq, 0, spec.typeVocabSize(), "the token types");
    } else {
      types = new int[ids.values().length];
    }
    return new TokenBatch(
        (int) shape[0], seq, ids.values(), inputs.get(ATTENTION_MASK).values(), types);
  }

  private static void checkRange(String name, int[] v, int seq, int lo, int hi, String what) {
    for (int i = 0; i < v.length; i++) {
      if (v[i] < lo || v[i] >= hi) {
        throw ServingException.invalid(
            name
                + "["
                + i / seq
                + ", "
                + i % seq
                + "] = "
                + v[i]
                + " is outside "
                + what
                + " ["
                + lo
                + ", "
                + hi
                + ")");
      }
    }
  }

  /**
   * How many values each output would have for a batch of {@code batch} x {@code seq}, from the
   * signature's shapes: the first unknown dimension is the batch, the second the sequence.
   */
  public static Map<String, Long> outputValues(
      ServedVersion served, List<String> outputs, long batch, long seq) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    var described = served.model().servingSignature().getOutputs();
    for (String o : outputs) {
      long[] dims = described.get(o).shape.asArray();
      long n = 1;
      int unknown = 0;
      for (long d : dims == null ? new long[0] : dims) {
        long size = d >= 0 ? d : (unknown++ == 0 ? batch : seq);
        n = (size != 0 && n > Long.MAX_VALUE / size) ? Long.MAX_VALUE : n * size;
      }
      out.put(o, n);
    }
    return out;
  }

  /**
   * Checks an output filter against the signature's outputs.
   *
   * @return the outputs to compute: the filter, or all outputs if it is empty
   */
  public static List<String> outputs(ServedVersion served, List<String> filter) {
    var all = served.model().servingOutputs();
    if (filter.isEmpty()) {
      return new ArrayList<>(all);
    }
    for (String f : filter) {
      if (!all.contains(f)) {
        throw ServingException.invalid(
            "output filter names '"
                + f
                + "', which "
                + "serving_default of "
                + served
                + " does not have; its outputs: "
                + new java.util.TreeSet<>(all));
      }
    }
    if (filter.stream().distinct().count() != filter.size()) {
      throw ServingException.invalid("output filter " + filter + " names an output twice");
    }
    return List.copyOf(filter);
  }
}
