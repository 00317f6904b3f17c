/**
 * The profiler service: a thin Kafka adapter around core. {@link org.ppruning.profiler.SampleLoop}
 * polls {@code ppruning.samples} into the Kafka-free {@link org.ppruning.stream.BatchPlanner}
 * (atomic per-partition batches, the commit plan, flow control), {@link
 * org.ppruning.profiler.BatchSender} profiles each batch with {@link
 * org.ppruning.stream.ProfiledBatch} and sends its dead letters and summaries, and {@link
 * org.ppruning.profiler.ProfilerService} runs it all in a restarting loop (service-common's {@code
 * RestartLoop}, {@code KafkaClients}). Settings: {@link org.ppruning.profiler.ProfilerConfig}
 * ({@code ppruning.profiler.*}, docs/streaming.md).
 */
package org.ppruning.profiler;
