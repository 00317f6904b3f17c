/**
 * {@code bin/ppruning demo}: the whole loop on one machine as a user would run it. {@link
 * org.ppruning.demo.Demo} starts the broker and the three services ({@code up}), streams a task's
 * samples into Kafka ({@link org.ppruning.demo.SampleProducer}), waits for the pruned and the
 * fine-tuned version ({@link org.ppruning.demo.ModelEventWatcher}), classifies the test split over
 * gRPC ({@link org.ppruning.demo.InferenceClient}) and reports accuracy, size and latency ({@link
 * org.ppruning.demo.DemoReport}). A client of the services: it uses their topics and gRPC API only,
 * which the system tests in deploy reuse.
 */
package org.ppruning.demo;
