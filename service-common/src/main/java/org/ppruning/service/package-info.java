/**
 * What the three Quarkus services (profiler, pruner, finetuner) share, so that none of them
 * hand-writes it: one Kafka client configuration for every consumer, producer and admin client
 * ({@link org.ppruning.service.KafkaClients}, configured by {@link
 * org.ppruning.service.KafkaSettings} under {@code ppruning.<service>.kafka} plus the standard
 * {@code kafka.*} keys), topic creation, a consumer loop that starts again after a failure ({@link
 * org.ppruning.service.RestartLoop}), the runtime readiness check, and refusal of renamed
 * configuration keys ({@link org.ppruning.service.RenamedKeys}). No model or algorithm code: that
 * is in {@code ppruning-core}.
 */
package org.ppruning.service;
