package org.ppruning.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ppruning.pruning.clustering.Dendrogram;

/** Step results (threshold cut, plan) never change after construction. */
class PruningPlanTest {
  @Test
  void planCopiesItsIndicesInAndOut() {
    int[] heads = {0, 2};
    List<int[]> keepHeads = new ArrayList<>(List.of(heads));
    PruningPlan p = new PruningPlan(keepHeads, List.of(new int[] {1}));
    heads[0] = 1;
    keepHeads.add(new int[] {0});
    p.keepHeads().get(0)[1] = 3;
    assertArrayEquals(new int[] {0, 2}, p.keepHeads().get(0));
    assertEquals(1, p.keepHeads().size());
    assertThrows(UnsupportedOperationException.class, () -> p.keepNeurons().add(new int[0]));
    assertEquals(new PruningPlan(List.of(new int[] {0, 2}), List.of(new int[] {1})), p);
    assertEquals(List.of(2), p.headsPerLayer());
  }

  @Test
  void planRejectsUnsortedIndicesAndUnitsTheModelLacks() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new PruningPlan(List.of(new int[] {2, 1}), List.of(new int[] {0})));
    assertTrue(e.getMessage().contains("layer 0 keeps heads [2, 1]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new PruningPlan(List.of(new int[] {0}), List.of(new int[] {0, 0})));
    assertTrue(e.getMessage().contains("strictly ascending"), e.getMessage());
  }

  @Test
  void cutCopiesItsCountsInAndOut() {
    // Two layers of two units, merged at 0.5 and 0.75.
    List<Dendrogram> trees =
        List.of(
            new Dendrogram(2, new int[] {0}, new int[] {1}, new double[] {0.5}),
            new Dendrogram(2, new int[] {0}, new int[] {1}, new double[] {0.75}));
    ThresholdSearch.Cut c = ThresholdSearch.search(trees, 10, 30);
    assertEquals(0.5, c.threshold());
    assertArrayEquals(new int[] {1, 2}, c.perLayer());
    assertEquals(30, c.cost());
    c.perLayer()[0] = 9;
    assertArrayEquals(new int[] {1, 2}, c.perLayer());
    assertEquals(new ThresholdSearch.Cut(0.5, new int[] {1, 2}, 30), c);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new ThresholdSearch.Cut(0.5, new int[] {-1}, 0));
    assertTrue(e.getMessage().contains("layer 0 keeps -1 units"), e.getMessage());
  }
}
