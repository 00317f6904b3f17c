package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import org.ppruning.serve.ServingException;
import org.ppruning.serve.ServingLimits;

/**
 * Reads one JSON value of integers (a number or nested lists of numbers) from a streaming parser:
 * its shape and row-major values. Refuses, naming the input and the position: a value that is not a
 * JSON integer (a float, a string, true, null), one outside int32, ragged lists, more than {@link
 * TensorProtos#MAX_RANK} dimensions, and more values than {@code max-batch-tokens} (counted while
 * reading: nothing beyond the limit is kept).
 */
final class JsonInts {
  private final JsonParser p;
  private final String name;
  private final String limitName;
  private final int budget;
  private final ServingLimits limits;
  private final long[] lengths = new long[TensorProtos.MAX_RANK + 1];
  private final int[] index = new int[TensorProtos.MAX_RANK + 1];
  private int leafDepth = -1;
  private int deepest;
  private int[] values = new int[16];
  private int count;

  private JsonInts(JsonParser p, String name, String limitName, int before, ServingLimits limits) {
    this.p = p;
    this.name = name;
    this.limitName = limitName;
    this.budget = limits.maxBatchTokens() - before;
    this.limits = limits;
    Arrays.fill(lengths, -1);
  }

  /** An integer tensor as read: its shape and values. */
  record Ints(long[] shape, int[] values) {}

  /**
   * Reads the value at the parser's current token.
   *
   * @param name how errors name it, e.g. {@code instances[3] input 'input_ids'}
   * @param limitName the input whose values count against {@code max-batch-tokens}
   * @param before how many of its values the request held before this one
   */
  static Ints read(JsonParser p, String name, String limitName, int before, ServingLimits limits)
      throws IOException {
    JsonInts r = new JsonInts(p, name, limitName, before, limits);
    r.value(0);
    int rank = r.leafDepth >= 0 ? r.leafDepth : r.deepest;
    return new Ints(Arrays.copyOf(r.lengths, rank), Arrays.copyOf(r.values, r.count));
  }

  private void value(int depth) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      if (depth > TensorProtos.MAX_RANK) {
        throw invalid(
            name + " has more than " + TensorProtos.MAX_RANK + " nested lists; expected 2");
      }
      if (leafDepth >= 0 && depth >= leafDepth) {
        throw invalid(name + " is ragged: a list at " + at(depth) + " where a number is expected");
      }
      deepest = Math.max(deepest, depth + 1);
      int n = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        index[depth] = n++;
        value(depth + 1);
      }
      if (lengths[depth] < 0) {
        lengths[depth] = n;
      } else if (lengths[depth] != n) {
        throw invalid(
            name
                + " is ragged: the list at "
                + at(depth)
                + " has "
                + n
                + " values, the first at its depth "
                + lengths[depth]);
      }
      return;
    }
    if (leafDepth < 0) {
      leafDepth = depth;
    } else if (depth != leafDepth) {
      throw invalid(name + " is ragged: a number at " + at(depth) + " where a list is expected");
    }
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw invalid(
          name
              + " has "
              + describe(p)
              + " at "
              + at(depth)
              + "; expected an integer token id (a JSON integer)");
    }
    if (p.getNumberType() != JsonParser.NumberType.INT) {
      throw invalid(
          name + " value " + p.getText() + " at " + at(depth) + " does not fit an int32 token id");
    }
    if (count >= budget) {
      throw new ServingException(
          ServingException.Code.RESOURCE_EXHAUSTED,
          limitName
              + " has more than "
              + limits.maxBatchTokens()
              + " values: more than the limit of "
              + limits.maxBatchTokens()
              + " tokens per request ("
              + limits.key(ServingLimits.MAX_BATCH_TOKENS)
              + ")");
    }
    if (count == values.length) {
      values = Arrays.copyOf(values, Math.min(2 * count, budget));
    }
    values[count++] = p.getIntValue();
  }

  /** The current JSON value in words, shortened for messages. */
  static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      return "an object";
    }
    String text = p.getText();
    if (text.length() > 40) {
      text = text.substring(0, 40) + "...";
    }
    return t == JsonToken.VALUE_STRING ? "the string \"" + text + "\"" : text;
  }

  /** The position of the current value, e.g. {@code [1, 3]}. */
  private String at(int depth) {
    return Arrays.toString(Arrays.copyOf(index, depth));
  }

  private static ServingException invalid(String message) {
    return ServingCalls.invalid(message);
  }
}
