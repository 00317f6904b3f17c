package org.ppruning.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One model version written to a {@link ModelRepository}, as published on {@link Topics#MODELS}.
 *
 * @param stage {@code pruned} (by the pruner) or {@code finetuned} (by the finetuner)
 * @param task the task id (repository folder and record key)
 * @param version the version number, increasing per task and stage
 * @param path the version folder's URI
 * @param parent what it was made from: the source model, or the pruned version's URI
 * @param layers per-layer widths of the written model
 * @param flopsKept FLOPs relative to the unpruned model (reference formula, see CostModel)
 * @param paramsKept parameters relative to the unpruned model
 * @param samples task samples the version is based on
 * @param reason why it was written (first pruning, selection changed by x, fine-tuned ...)
 * @param metrics evaluation results (finetuned only), e.g. {"accuracy": 0.91}
 * @param createdAt ISO-8601 instant
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelEvent(
    String stage,
    String task,
    long version,
    String path,
    String parent,
    List<Width> layers,
    double flopsKept,
    double paramsKept,
    long samples,
    String reason,
    Map<String, Double> metrics,
    String createdAt) {

  public static final String PRUNED = "pruned";
  public static final String FINETUNED = "finetuned";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The width of one layer: attention heads and FFN neurons kept. */
  public record Width(int heads, int ffn) {}

  public ModelEvent {
    if (!PRUNED.equals(stage) && !FINETUNED.equals(stage)) {
      throw new IllegalArgumentException(
          "model event stage must be pruned or finetuned, got " + stage);
    }
    ModelRepository.checkTask(task);
    if (version < 1) {
      throw new IllegalArgumentException("model event version must be >= 1, got " + version);
    }
    layers = layers == null ? List.of() : List.copyOf(layers);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write model event " + this, e);
    }
  }

  /** Parses an event; unknown fields are ignored so that newer producers stay readable. */
  public static ModelEvent fromJson(byte[] json) {
    try {
      return JSON.readValue(json, ModelEvent.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "not a model event: "
              + e.getMessage()
              + " in "
              + new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8),
          e);
    }
  }
}
