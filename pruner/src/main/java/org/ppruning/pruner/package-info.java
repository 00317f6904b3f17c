/**
 * The pruner service, a thin Quarkus adapter around the library's streaming pruner ({@link
 * org.ppruning.stream.PrunerLoop} over {@link org.ppruning.stream.PrunerEngine}): {@link
 * org.ppruning.pruner.SummaryConsumer} is its Kafka transport (summaries in, model events out),
 * {@link org.ppruning.pruner.PrunerService} loads the base model and checkpoint once and restarts
 * the consumer after Kafka failures, {@link org.ppruning.pruner.PrunerMetrics} and {@link
 * org.ppruning.pruner.PrunerReadiness} report. Settings: {@link org.ppruning.pruner.PrunerConfig}
 * ({@code ppruning.pruner.*}, docs/streaming.md).
 */
package org.ppruning.pruner;
