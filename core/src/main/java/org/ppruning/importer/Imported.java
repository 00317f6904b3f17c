package org.ppruning.importer;

import java.nio.file.Path;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * A model read from a foreign artifact, in ppruning's names.
 *
 * @param spec architecture and widths
 * @param weights every tensor the spec needs
 * @param tokenizerJson a Hugging Face tokenizer.json for it, or null
 */
public record Imported(ModelSpec spec, Weights weights, Path tokenizerJson) {}
