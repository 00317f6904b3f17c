package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spine's acceptance checks on the real models, through the command line users run. */
@Tag("real")
class CliRealTest {
  @TempDir Path tmp;

  @Test
  void bertBaseMatchesTheOriginalGraphAndPredictsParis() {
    CliRunner r = CliRunner.run("verify", "bert-base-uncased", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.json();
    assertTrue(j.get("sentences").asInt() >= 20);
    assertTrue(j.get("maxAbsDiff").get("sequence_output").asDouble() <= 1e-4, j.toString());
    assertTrue(j.get("maxAbsDiff").get("pooled_output").asDouble() <= 1e-4, j.toString());
    assertEquals("paris", j.get("mlmTop5").get(0).asText(), j.toString());
  }

  @Test
  void miniLmImportedThenVerifiedFromItsSavedModel() {
    Path out = tmp.resolve("minilm");
    CliRunner imp = CliRunner.run("import", "all-minilm-l6-v2", "--out", out.toString(), "--json");
    assertEquals(0, imp.exitCode(), imp.err());
    assertEquals(22_565_376L, imp.json().get("params").asLong());

    CliRunner info = CliRunner.run("info", out.toString(), "--json");
    assertEquals("[12,12,12,12,12,12]", info.json().get("headsPerLayer").toString());
    assertEquals("[1536,1536,1536,1536,1536,1536]", info.json().get("ffnPerLayer").toString());

    CliRunner v = CliRunner.run("verify", out.toString(), "--json");
    assertEquals(0, v.exitCode(), v.err());
    assertTrue(v.json().get("maxAbsDiff").get("sequence_output").asDouble() <= 1e-4, v.out());
    assertFalse(v.json().has("mlmTop5"), "MiniLM has no MLM head");
  }
}
