/**
 * Running P-pruning (Wang et al., "Pruning before Fine-tuning", LREC-COLING 2024) rather than its
 * steps: what the {@code prune} command, the pruner service and the benchmarks call.
 *
 * <ul>
 *   <li>{@link org.ppruning.pruning.run.PPruning}: steps 2-5 (Sec. 3.2-3.4) from features to a
 *       plan, and the baselines at the same per-layer widths.
 *   <li>{@link org.ppruning.pruning.run.PruneRun}: steps 2-6, then export with the report.
 *   <li>{@link org.ppruning.pruning.run.PruneSettings}: one run's settings and their defaults
 *       (method, linkage, budget of Sec. 3.3, seed, k of Sec. 3.1).
 *   <li>{@link org.ppruning.pruning.run.Method}: P-pruning, or a baseline that keeps the same
 *       per-layer widths.
 *   <li>{@link org.ppruning.pruning.run.SampleSelection}: caps the profiled samples with the token
 *       sampler's bottom-k rule.
 *   <li>{@link org.ppruning.pruning.run.PruningReport}: {@code pruning-report.json} and {@code
 *       .html}.
 * </ul>
 */
package org.ppruning.pruning.run;
