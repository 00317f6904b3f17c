package org.ppruning.finetuner.serving;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.serve.TextBatch;
import org.ppruning.serving.tf.Example;
import org.ppruning.serving.tf.Feature;
import org.ppruning.serving.tfs.Input;

/**
 * The texts of a TensorFlow Serving Classify input: each tf.Example's bytes feature {@code text}
 * (one UTF-8 value) and optionally {@code text_pair}; context features apply to every example.
 */
final class ExampleTexts {
  static final String TEXT = "text";
  static final String TEXT_PAIR = "text_pair";

  private ExampleTexts() {}

  /** Texts from tf.Examples: bytes feature "text" (one value) and optionally "text_pair". */
  static TextBatch read(Input input) {
    List<Example> examples;
    Map<String, Feature> context;
    switch (input.getKindCase()) {
      case EXAMPLE_LIST -> {
        examples = input.getExampleList().getExamplesList();
        context = Map.of();
      }
      case EXAMPLE_LIST_WITH_CONTEXT -> {
        examples = input.getExampleListWithContext().getExamplesList();
        context = input.getExampleListWithContext().getContext().getFeatures().getFeatureMap();
      }
      default ->
          throw GrpcErrors.invalid(
              "input has no examples; send input.example_list"
                  + " with tf.Examples holding a bytes feature '"
                  + TEXT
                  + "'");
    }
    if (examples.isEmpty()) {
      throw GrpcErrors.invalid("input has no examples; send at least one tf.Example");
    }
    TextBatch batch = new TextBatch("example", "a '" + TEXT_PAIR + "' feature");
    for (int i = 0; i < examples.size(); i++) {
      Map<String, Feature> f = new LinkedHashMap<>(context);
      f.putAll(examples.get(i).getFeatures().getFeatureMap());
      String text = text(f, i, TEXT);
      if (text == null) {
        throw GrpcErrors.invalid(
            "example " + i + " has no feature '" + TEXT + "'; features: " + f.keySet());
      }
      batch.add(text, text(f, i, TEXT_PAIR));
    }
    return batch;
  }

  private static String text(Map<String, Feature> features, int example, String name) {
    Feature f = features.get(name);
    if (f == null) {
      return null;
    }
    if (f.getKindCase() != Feature.KindCase.BYTES_LIST) {
      throw GrpcErrors.invalid(
          "example "
              + example
              + " feature '"
              + name
              + "' is a "
              + f.getKindCase()
              + "; expected a bytes_list with one UTF-8 text");
    }
    if (f.getBytesList().getValueCount() != 1) {
      throw GrpcErrors.invalid(
          "example "
              + example
              + " feature '"
              + name
              + "' has "
              + f.getBytesList().getValueCount()
              + " values; expected one text");
    }
    return utf8(f.getBytesList().getValue(0), example, name);
  }

  private static String utf8(ByteString bytes, int example, String name) {
    return utf8(bytes.toByteArray(), "example " + example + " feature '" + name + "'");
  }

  /** Strict UTF-8: malformed bytes are refused (INVALID_ARGUMENT naming {@code what}). */
  static String utf8(byte[] bytes, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw ServingCalls.invalid(what + " is not valid UTF-8");
    }
  }
}
