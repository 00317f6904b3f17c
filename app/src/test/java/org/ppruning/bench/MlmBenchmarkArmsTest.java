package org.ppruning.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ppruning.pruning.compensation.CompensationSettings;

class MlmBenchmarkArmsTest {
  @Test
  void parsesOldAndMaskedArms() {
    List<MlmBenchmark.Arm> a =
        MlmBenchmark.arms(
            "least-squares/sequential,bias,least-squares/original/1e-3/mask0.15,"
                + "least-squares/sequential/1e-2/mask0.2x4",
            4096);
    assertEquals(4, a.size());
    assertEquals(CompensationSettings.Mode.LEAST_SQUARES, a.get(0).settings().mode());
    assertEquals(CompensationSettings.DEFAULT_RIDGE, a.get(0).settings().ridge());
    assertEquals(0, a.get(0).mask());
    assertEquals("", a.get(0).maskLabel());
    assertEquals(CompensationSettings.Mode.BIAS, a.get(1).settings().mode());
    assertEquals(CompensationSettings.Fit.ORIGINAL, a.get(2).settings().fit());
    assertEquals(1e-3, a.get(2).settings().ridge());
    assertEquals(0.15, a.get(2).mask());
    assertEquals(1, a.get(2).weight());
    assertEquals("/mask0.15", a.get(2).maskLabel());
    assertEquals(0.2, a.get(3).mask());
    assertEquals(4, a.get(3).weight());
    assertEquals("/mask0.2x4", a.get(3).maskLabel());
    assertEquals(4096, a.get(3).settings().rows());
    assertTrue(MlmBenchmark.arms("none", 4096).isEmpty());
  }

  @Test
  void refusesAMalformedFourthPart() {
    for (String bad :
        new String[] {"least-squares/sequential/1e-2/m0.15", "least-squares/sequential/1e-2/a/b"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MlmBenchmark.arms(bad, 4096));
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
  }
}
