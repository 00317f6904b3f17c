/**
 * Hugging Face checkpoints: the safetensors file format ({@link
 * org.ppruning.importer.safetensors.SafetensorsFile}, {@link
 * org.ppruning.importer.safetensors.SafetensorsWriter}) and the mapping between Hugging Face tensor
 * names and ppruning's canonical BERT / GPT-2 names ({@link
 * org.ppruning.importer.safetensors.HuggingFaceImporter}, {@link
 * org.ppruning.importer.safetensors.HuggingFaceExporter}).
 */
package org.ppruning.importer.safetensors;
