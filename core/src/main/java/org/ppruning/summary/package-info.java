/**
 * Activation summaries: the exactly mergeable form of P-pruning's step 1 shared by the batch
 * command and the streaming services. {@link org.ppruning.summary.SummaryBuilder} turns batches of
 * {@code profile} outputs into {@code ActivationSummary} records (protobuf, {@code summary.proto},
 * bounded in size), {@link org.ppruning.summary.SummaryState} merges them in any order into the
 * same state and makes {@link org.ppruning.features.ActivationFeatures}. {@link
 * org.ppruning.summary.FeatureCollector} runs that pipeline in one process (the batch command's
 * step 1, Sec. 3.1 of Wang et al., 2024). {@link org.ppruning.summary.ProfileBatch} pads every
 * sample to a length of its own, which makes the activations, and so the features, independent of
 * how samples were batched.
 */
package org.ppruning.summary;
