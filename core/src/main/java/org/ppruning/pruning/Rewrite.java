package org.ppruning.pruning;

import java.util.Map;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;

/**
 * Step 6: removes the dropped units for real (the spine's {@link UnitRemoval}) and records how the
 * model was pruned in its spec, under {@code metadata.pruning}.
 */
public final class Rewrite {
  private Rewrite() {}

  public static UnitRemoval.Pruned apply(
      ModelSpec spec, Weights weights, PruningPlan plan, Map<String, Object> provenance) {
    UnitRemoval.Pruned p =
        UnitRemoval.remove(spec, weights, plan.dropHeads(spec), plan.dropNeurons(spec));
    return new UnitRemoval.Pruned(p.spec().withMetadata("pruning", provenance), p.weights());
  }
}
