/**
 * Benchmark mains run by the scripts in {@code bench/}. Those that exercise P-pruning (Wang et al.,
 * LREC-COLING 2024) call its steps through {@code pruning.run}: {@code PruneBenchmark} times steps
 * 1-6 (Sec. 3.1-3.4 and the rewrite), {@code MlmBenchmark} compares P-pruning with random and
 * weight-magnitude baselines at the same widths without fine-tuning, and {@code TrainStepBenchmark}
 * times fine-tuning steps of a pruned model. {@code SpineBenchmark} measures import, export and
 * forward speed (no pruning).
 */
package org.ppruning.bench;
