package org.ppruning.pruning.run;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.clustering.LinkageMode;

class PruneSettingsTest {
  /** The builder starts from the defaults of {@code ppruning prune}. */
  @Test
  void builderDefaultsAreThePruneCommands() {
    PruneSettings d = PruneSettings.builder().build();
    assertEquals(
        new PruneSettings(
            Method.P_PRUNING,
            LinkageMode.REFERENCE,
            Budget.Kind.FLOPS,
            0.5,
            5,
            null,
            null,
            null,
            42,
            200),
        d);
    assertEquals(d, PruneSettings.defaults());
  }

  @Test
  void builderSetsWhatItNames() {
    PruneSettings s =
        PruneSettings.builder()
            .method(Method.RANDOM)
            .linkage(LinkageMode.DIRECT)
            .paramsKeep(0.3)
            .lambda(2)
            .headsKeep(0.9)
            .neuronsKeep(0.2)
            .seqLen(64)
            .seed(7)
            .tokens(50)
            .build();
    assertEquals(
        new PruneSettings(
            Method.RANDOM, LinkageMode.DIRECT, Budget.Kind.PARAMS, 0.3, 2, 0.9, 0.2, 64, 7, 50),
        s);
    assertEquals(
        Budget.Kind.FLOPS, PruneSettings.builder().paramsKeep(0.3).flopsKeep(0.4).build().kind());
  }

  /** The builder checks through the record, so errors still name the value. */
  @Test
  void builderErrorsNameTheValue() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> PruneSettings.builder().flopsKeep(1.5).build());
    assertTrue(e.getMessage().contains("(0, 1], got 1.5"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> PruneSettings.builder().tokens(0).build());
    assertTrue(e.getMessage().contains("tokens (k) must be > 0, got 0"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> PruneSettings.builder().seqLen(-3).build());
    assertTrue(e.getMessage().contains("sequence length must be > 0, got -3"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> PruneSettings.builder().method(null).build());
    assertTrue(e.getMessage().contains("method"), e.getMessage());
  }
}
