package org.ppruning.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.LayerFeatures;

/** Assertions on activation features shared by core's and the services' tests. */
public final class FeatureAsserts {
  private FeatureAsserts() {}

  /** Every row, salience value and count equal, bit for bit. */
  public static void assertSameFeatures(ActivationFeatures want, ActivationFeatures got) {
    assertEquals(want.layers().size(), got.layers().size());
    for (int l = 0; l < want.layers().size(); l++) {
      LayerFeatures a = want.layers().get(l);
      LayerFeatures b = got.layers().get(l);
      assertEquals(a.heads(), b.heads(), "layer " + l + " head rows");
      assertEquals(a.neurons(), b.neurons(), "layer " + l + " neuron rows");
      assertArrayEquals(a.headSalience(), b.headSalience(), "layer " + l + " head salience");
      assertArrayEquals(a.neuronSalience(), b.neuronSalience(), "layer " + l + " neuron salience");
    }
    assertEquals(want.headSize(), got.headSize());
    assertEquals(want.samples(), got.samples());
    assertEquals(want.tokens(), got.tokens());
    assertEquals(want.sampledTokens(), got.sampledTokens());
    assertEquals(want.seed(), got.seed());
    assertEquals(want.meanLength(), got.meanLength());
  }
}
