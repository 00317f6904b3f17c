/**
 * The picocli commands behind {@code bin/ppruning}: thin adapters from options to core calls.
 * {@code PruneCommand} runs P-pruning (Wang et al., LREC-COLING 2024) end to end, step 1 (Sec. 3.1)
 * through {@code summary.FeatureCollector} and steps 2-6 (Sec. 3.2-3.4, then the rewrite) through
 * {@code pruning.run.PruneRun}; the other commands import, inspect, fine-tune, evaluate and run
 * models and the local services, outside the paper's algorithm.
 */
package org.ppruning.cli;
