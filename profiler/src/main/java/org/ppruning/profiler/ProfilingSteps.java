package org.ppruning.profiler;

import org.ppruning.service.KafkaTracing;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;

/**
 * What a polled batch of samples goes through: parsing ({@link SampleRecords}), profiling ({@link
 * ProfilerEngine}), counting ({@link ProfilerMetrics}) and the trace context of what is sent
 * ({@link KafkaTracing}). One per service; each run of the loop builds its sender from it.
 */
record ProfilingSteps(
    SampleRecords records, ProfilerEngine engine, ProfilerMetrics metrics, KafkaTracing tracing) {}
