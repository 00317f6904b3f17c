package org.ppruning.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights an architecture needs for a given spec: their names, shapes, and which of them carry
 * heads and FFN neurons. Importers, the graph builders, unit removal and parameter counting all ask
 * the layout, so each architecture's naming lives in exactly one place.
 */
public interface ModelLayout {

  static ModelLayout of(ModelSpec spec) {
    return switch (spec.architecture()) {
      case BERT -> new BertLayout(spec);
      case GPT2 -> new Gpt2Layout(spec);
    };
  }

  ModelSpec spec();

  /** Every weight the spec needs, with its shape, in a stable order. */
  Map<String, long[]> shapes();

  /** The weights sliced when heads of layer {@code layer} are removed. */
  List<UnitTensor> headTensors(int layer);

  /** The weights sliced when FFN neurons of layer {@code layer} are removed. */
  List<UnitTensor> neuronTensors(int layer);

  /**
   * The dense layer that maps the heads' concatenated context vectors to the model width: its
   * kernel [heads * headSize, d] and bias [d].
   */
  Projection attentionProjection(int layer);

  /** The FFN's second dense layer: kernel [ffn, d] (post-activation in) and bias [d]. */
  Projection ffnProjection(int layer);

  /**
   * A dense layer's weight names.
   *
   * @param kernel [in, out]
   * @param bias [out]
   */
  record Projection(String kernel, String bias) {}

  /**
   * Checks that {@code weights} holds exactly the tensors the spec needs, each with its shape.
   *
   * @param where names the weights' origin in the error message
   * @throws IllegalArgumentException naming every missing, unexpected or misshapen tensor
   */
  default void check(Weights weights, String where) {
    List<String> problems = new ArrayList<>();
    Map<String, long[]> want = shapes();
    for (Map.Entry<String, long[]> e : want.entrySet()) {
      if (!weights.contains(e.getKey())) {
        problems.add("missing tensor '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
      } else if (!Arrays.equals(weights.get(e.getKey()).shape(), e.getValue())) {
        problems.add(
            "tensor '"
                + e.getKey()
                + "' has shape "
                + weights.get(e.getKey()).shapeString()
                + ", spec needs "
                + Arrays.toString(e.getValue()));
      }
    }
    for (String name : weights.names()) {
      if (!want.containsKey(name)) {
        problems.add("unexpected tensor '" + name + "' " + weights.get(name).shapeString());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "weights from "
              + where
              + " do not match the "
              + spec().architecture().id()
              + " spec: "
              + String.join("; ", problems));
    }
  }

  /** Helper for implementations: an ordered name-to-shape map. */
  static Map<String, long[]> orderedShapes() {
    return new LinkedHashMap<>();
  }
}
