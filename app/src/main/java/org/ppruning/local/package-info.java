/**
 * The local runtime behind {@code bin/ppruning up/down/status}: a single-node Kafka broker
 * (deploy/kafka/kafka.sh) and the three Quarkus services as detached processes, with pid files,
 * logs and work directories under one run directory. Kafka-free: the broker is driven through its
 * script, the services through their command lines, health through HTTP.
 *
 * <pre>
 *   RUN_DIR/
 *     profiler.json pruner.json finetuner.json   pid files ({@link PidFile})
 *     broker.json                                which broker the services use ({@link BrokerRecord})
 *     logs/&lt;service&gt;.log (previous run: .log.1)
 *     profiler/ pruner/ finetuner/               the services' work directories
 *     kafka/data, kafka/kafka.log, kafka/kafka.pid   the broker kafka.sh runs (managed mode)
 * </pre>
 */
package org.ppruning.local;
