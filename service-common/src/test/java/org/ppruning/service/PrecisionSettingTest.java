package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ppruning.graph.Precision;

/** The services' precision keys: read, and refused by name when wrong or not applicable here. */
class PrecisionSettingTest {
  private static final String KEY = "ppruning.finetuner.serving.precision";

  @Test
  void fp32AndAnUnknownValue() {
    assertEquals(Precision.FP32, PrecisionSetting.read(KEY, "fp32"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PrecisionSetting.read(KEY, "half"));
    assertEquals(KEY + ": 'half' is not a precision; allowed: fp32, bf16", e.getMessage());
  }

  @Test
  void bf16IsAcceptedWhereTensorFlowRewritesAndRefusedByNameElsewhere() {
    if (Precision.bf16Rewrites()) {
      assertEquals(Precision.BF16, PrecisionSetting.read(KEY, "bf16"));
    } else {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> PrecisionSetting.read(KEY, "bf16"));
      assertTrue(e.getMessage().startsWith(KEY + "=bf16: "), e.getMessage());
      assertTrue(e.getMessage().contains(Precision.ONEDNN_ENV + "=1"), e.getMessage());
    }
  }
}
