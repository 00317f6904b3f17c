/**
 * The steps of P-pruning (Wang et al., "Pruning before Fine-tuning", LREC-COLING 2024), one class
 * per step, each a function from one immutable record to the next (see docs/pruning.md):
 *
 * <pre>
 * features.LayerFeatures --Distances--&gt; clustering.DistanceMatrix --Clustering--&gt; Dendrogram
 *   --ThresholdSearch--&gt; ThresholdSearch.Cut --Selection--&gt; PruningPlan --Rewrite--&gt; model
 * </pre>
 *
 * <ul>
 *   <li>Step 2, Sec. 3.2: {@link org.ppruning.pruning.Distances} (|cos| distances between neurons;
 *       greedy-matched dimensions between heads).
 *   <li>Step 3: {@link org.ppruning.pruning.clustering} (complete linkage per layer).
 *   <li>Step 4, Sec. 3.3: {@link org.ppruning.pruning.Budget} (the cost each unit kind may keep)
 *       and {@link org.ppruning.pruning.ThresholdSearch} (one global threshold per kind).
 *   <li>Step 5, Sec. 3.4: {@link org.ppruning.pruning.Selection} (the most salient member of each
 *       cluster; the baselines' top-k) into a {@link org.ppruning.pruning.PruningPlan}.
 *   <li>Step 6: {@link org.ppruning.pruning.Rewrite} (removes the other units, records the
 *       provenance).
 * </ul>
 *
 * Step 1 is {@link org.ppruning.features}; running the steps in order, with settings and a report,
 * is {@code org.ppruning.pruning.run} (which depends on this package, not the reverse).
 */
package org.ppruning.pruning;
