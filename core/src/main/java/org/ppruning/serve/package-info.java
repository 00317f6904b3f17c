/**
 * Serving fine-tuned models, free of gRPC and Quarkus: {@link org.ppruning.serve.ServedModels}
 * holds each task's latest good version and swaps versions without losing a request (load, warm up,
 * switch, close the old one when its last {@link org.ppruning.serve.Lease} ends); {@link
 * org.ppruning.serve.TensorInputs} validates tensor requests and {@link
 * org.ppruning.serve.TextInference} answers text ones (classify, score, generate). Every refusal is
 * a {@link org.ppruning.serve.ServingException} whose code the transport maps to its own status.
 */
package org.ppruning.serve;
