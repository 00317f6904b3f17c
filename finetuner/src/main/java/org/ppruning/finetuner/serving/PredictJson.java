package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serve.TensorInputs.IntTensor;

/**
 * TensorFlow Serving's REST Predict body: the row format ({@code "instances"}: one object of named
 * inputs per instance; answered with {@code "predictions"}) or the columnar format ({@code
 * "inputs"}: an object of named batch tensors; answered with {@code "outputs"}), and an optional
 * {@code "signature_name"}. Token ids are JSON integers ({@link JsonInts}).
 */
final class PredictJson {
  private static final String FORMATS =
      "; a predict body has 'signature_name' (optional) and one of 'instances' (row format)"
          + " or 'inputs' (columnar format)";

  private PredictJson() {}

  /** A decoded request: its signature (or null), its format and its inputs. */
  record Request(String signature, boolean rows, Map<String, IntTensor> inputs) {}

  static Request read(byte[] body, ServingLimits limits) {
    return RestJson.readObject(
        body,
        "predict request",
        p -> {
          String signature = null;
          Boolean rows = null;
          Map<String, IntTensor> inputs = null;
          for (String key = RestJson.nextField(p); key != null; key = RestJson.nextField(p)) {
            if (key.equals("signature_name")) {
              signature = RestJson.string(p, "'signature_name'");
            } else if (key.equals("instances") || key.equals("inputs")) {
              if (rows != null) {
                throw ServingCalls.invalid("the body has both 'instances' and 'inputs'" + FORMATS);
              }
              rows = key.equals("instances");
              inputs = rows ? instances(p, limits) : columns(p, limits);
            } else {
              throw ServingCalls.invalid("unknown key '" + key + "'" + FORMATS);
            }
          }
          if (rows == null) {
            throw ServingCalls.invalid("the body has neither 'instances' nor 'inputs'" + FORMATS);
          }
          return new Request(signature, rows, inputs);
        });
  }

  /** Row format: each instance an object of named inputs, stacked into [instances, ...]. */
  private static Map<String, IntTensor> instances(JsonParser p, ServingLimits limits)
      throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw ServingCalls.invalid(
          "'instances' is " + JsonInts.describe(p) + "; expected a list of objects");
    }
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, List<int[]>> rows = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      limits.checkBatch("the number of 'instances' (at least)", n + 1);
      String at = "instances[" + n + "]";
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw ServingCalls.invalid(
            at
                + " is "
                + JsonInts.describe(p)
                + "; the model takes named inputs: send {\"input_ids\": [...], ...} per instance");
      }
      List<String> names = new ArrayList<>();
      for (String name = RestJson.nextField(p); name != null; name = RestJson.nextField(p)) {
        String input = "input '" + name + "'";
        int before = counts.getOrDefault(name, 0);
        JsonInts.Ints v = JsonInts.read(p, at + " " + input, input, before, limits);
        long[] first = shapes.putIfAbsent(name, v.shape());
        if (n > 0 && first != null && !Arrays.equals(first, v.shape())) {
          throw ServingCalls.invalid(
              at
                  + " "
                  + input
                  + " has shape "
                  + Arrays.toString(v.shape())
                  + "; instances[0] has "
                  + Arrays.toString(first));
        }
        rows.computeIfAbsent(name, k -> new ArrayList<>()).add(v.values());
        counts.put(name, before + v.values().length);
        names.add(name);
      }
      if (n > 0 && !names.equals(List.copyOf(shapes.keySet()))) {
        throw ServingCalls.invalid(
            at + " has inputs " + names + "; instances[0] has " + shapes.keySet());
      }
      n++;
    }
    if (n == 0) {
      throw ServingCalls.invalid("'instances' is empty; send at least one instance");
    }
    Map<String, IntTensor> out = new LinkedHashMap<>();
    for (var e : shapes.entrySet()) {
      long[] shape = new long[e.getValue().length + 1];
      shape[0] = n;
      System.arraycopy(e.getValue(), 0, shape, 1, e.getValue().length);
      int[] values = new int[counts.get(e.getKey())];
      int off = 0;
      for (int[] r : rows.get(e.getKey())) {
        System.arraycopy(r, 0, values, off, r.length);
        off += r.length;
      }
      out.put(e.getKey(), new IntTensor(shape, values));
    }
    return out;
  }

  /** Columnar format: an object of named inputs, each a whole batch. */
  private static Map<String, IntTensor> columns(JsonParser p, ServingLimits limits)
      throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ServingCalls.invalid(
          "'inputs' is "
              + JsonInts.describe(p)
              + "; the model takes named inputs: send {\"input_ids\": [[...]], ...}");
    }
    Map<String, IntTensor> out = new LinkedHashMap<>();
    for (String name = RestJson.nextField(p); name != null; name = RestJson.nextField(p)) {
      String input = "input '" + name + "'";
      JsonInts.Ints v = JsonInts.read(p, input, input, 0, limits);
      out.put(name, new IntTensor(v.shape(), v.values()));
    }
    return out;
  }
}
