/**
 * The finetuner service: a thin adapter from the models topic to core's {@link
 * org.ppruning.stream.FinetunerEngine}. {@link org.ppruning.finetuner.TrainingLoop} polls model
 * events in a restartable loop and commits offsets, {@link org.ppruning.finetuner.TrainingJobs}
 * runs one fine-tuning job at a time, {@link org.ppruning.finetuner.FinetunerConfig} is its
 * configuration ({@code ppruning.finetuner.*}). Serving is in {@code serving}.
 */
package org.ppruning.finetuner;
