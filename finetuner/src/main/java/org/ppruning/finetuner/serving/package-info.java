/**
 * The finetuner's gRPC transport over core's {@code org.ppruning.serve}: TensorFlow Serving's
 * PredictionService ({@link org.ppruning.finetuner.serving.PredictionGrpcService}) and {@code
 * ppruning.v1.Inference} ({@link org.ppruning.finetuner.serving.InferenceGrpcService}), proto
 * translation ({@link org.ppruning.finetuner.serving.TensorProtos}, {@link
 * org.ppruning.finetuner.serving.ExampleTexts}), core refusals as gRPC statuses ({@link
 * org.ppruning.finetuner.serving.GrpcErrors}) and the served models ({@link
 * org.ppruning.finetuner.serving.ServingRegistry}).
 */
package org.ppruning.finetuner.serving;
