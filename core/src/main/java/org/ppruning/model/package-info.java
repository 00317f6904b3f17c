/**
 * What a model is, apart from TensorFlow: its architecture and widths ({@link
 * org.ppruning.model.ModelSpec}, stored in every SavedModel ppruning writes, with per-layer kept
 * units in {@link org.ppruning.model.LayerSpec} and a fine-tuned head in {@link
 * org.ppruning.model.TaskHead}) and its parameters by checkpoint name ({@link
 * org.ppruning.model.Weights} of {@link org.ppruning.model.FloatTensor}s).
 *
 * <p>Each architecture's tensor names live in one layout ({@link org.ppruning.model.BertLayout},
 * {@link org.ppruning.model.Gpt2Layout}), which importers, graph builders, unit removal and
 * counting all ask. Pruning a model for real is one shared routine: {@link
 * org.ppruning.model.UnitRemoval} slices the heads and neurons a layout names through {@link
 * org.ppruning.model.TensorSlicing}; {@link org.ppruning.model.CostModel} counts FLOPs and
 * parameters as the P-pruning reference does.
 */
package org.ppruning.model;
