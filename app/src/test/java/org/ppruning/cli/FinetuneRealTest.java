package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MiniLM fine-tuned for one epoch on the real sentiment sentences reaches 85% test accuracy. */
@Tag("real")
class FinetuneRealTest {
  @TempDir Path tmp;

  @Test
  void miniLmLearnsSentiment() {
    Path out = tmp.resolve("minilm-sentiment");
    CliRunner ft =
        CliRunner.run(
            "finetune",
            "--model",
            "all-minilm-l6-v2",
            "--task",
            "sentiment",
            "--epochs",
            "1",
            "--out",
            out.toString(),
            "--json");
    assertEquals(0, ft.exitCode(), ft.err());
    JsonNode j = ft.json();
    System.err.println("finetune --json: " + j);
    for (String key : new String[] {"metric", "value", "epochs", "secondsPerStep", "bestEpoch"}) {
      assertTrue(j.has(key), key + " in " + j);
    }
    assertEquals("accuracy", j.get("metric").asText());
    // The ONNX export has no pooler: the head reads the mean of the last layer, as the model
    // was trained to give its sentence embedding.
    assertEquals("mean", j.get("pooling").asText(), j.toString());
    assertTrue(j.get("value").asDouble() >= 0.85, j.toString());
    assertTrue(ft.err().contains("epoch 1/1"), "progress shown");

    CliRunner ev =
        CliRunner.run(
            "eval", "--model", out.toString(), "--task", "sentiment", "--split", "test", "--json");
    assertEquals(0, ev.exitCode(), ev.err());
    System.err.println("eval --json: " + ev.json());
    assertTrue(ev.json().get("value").asDouble() >= 0.85, ev.out());
    assertEquals(290, ev.json().get("samples").asInt());
  }
}
