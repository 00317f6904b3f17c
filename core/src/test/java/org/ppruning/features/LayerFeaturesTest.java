package org.ppruning.features;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ppruning.model.FloatTensor;

/** Step 1's records never change after construction, and reject inconsistent shapes by name. */
class LayerFeaturesTest {
  /** 2 tokens, 2 heads of size 1, 3 neurons. */
  static LayerFeatures layer(float[] heads, double[] headSalience) {
    return new LayerFeatures(
        new FloatTensor(new long[] {2, 2}, heads),
        new FloatTensor(new long[] {2, 3}, new float[6]),
        headSalience,
        new double[] {1, 2, 3});
  }

  @Test
  void copiesArraysInAndOut() {
    float[] heads = {1, 2, 3, 4};
    double[] salience = {0.5, 0.25};
    LayerFeatures f = layer(heads, salience);
    heads[0] = 99;
    salience[0] = 99;
    f.heads().data()[1] = 99;
    f.headSalience()[1] = 99;
    assertArrayEquals(new float[] {1, 2, 3, 4}, f.heads().data());
    assertArrayEquals(new double[] {0.5, 0.25}, f.headSalience());
    assertEquals(layer(new float[] {1, 2, 3, 4}, new double[] {0.5, 0.25}), f, "equal by value");
    assertEquals(2, f.rows());
    assertEquals(2, f.headWidth());
    assertEquals(2, f.headCount());
  }

  @Test
  void rejectsInconsistentShapes() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new LayerFeatures(
                    new FloatTensor(new long[] {2, 2}, new float[4]),
                    new FloatTensor(new long[] {3, 1}, new float[3]),
                    new double[2],
                    new double[1]));
    assertTrue(e.getMessage().contains("[2, 2] and [3, 1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> layer(new float[4], new double[3]));
    assertTrue(e.getMessage().contains("3 head salience values"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new LayerFeatures(
                    new FloatTensor(new long[] {2, 2}, new float[4]),
                    null,
                    new double[2],
                    new double[0]));
    assertTrue(e.getMessage().contains("neuron activations"), e.getMessage());
  }

  @Test
  void activationFeaturesCopyTheLayerListAndCheckItAgainstK() {
    List<LayerFeatures> layers = new ArrayList<>(List.of(layer(new float[4], new double[2])));
    ActivationFeatures f = new ActivationFeatures(layers, 1, 3, 10, 2, 7, 10 / 3.0);
    layers.clear();
    assertEquals(1, f.layers().size());
    assertThrows(UnsupportedOperationException.class, () -> f.layers().clear());

    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ActivationFeatures(
                    List.of(layer(new float[4], new double[2])), 1, 3, 10, 5, 7, 3.3));
    assertTrue(e.getMessage().contains("layer 0 has 2 token rows, expected 5"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ActivationFeatures(
                    List.of(layer(new float[4], new double[2])), 2, 3, 10, 2, 7, 3.3));
    assertTrue(e.getMessage().contains("2 wide for 2 heads of size 2"), e.getMessage());
  }
}
