package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;

/** {@code ppruning prune} on a tiny model saved with a tiny tokenizer. */
class PruneCommandTest {
  @TempDir Path tmp;
  Path model;
  Path samples;

  @BeforeEach
  void tinyModelAndSamples() throws Exception {
    TinyPruneInputs in = TinyPruneInputs.create(tmp);
    model = in.model();
    samples = in.samples();
  }

  @Test
  void prunesWritesModelAndReportsAndIsReproducible() throws Exception {
    Path out = tmp.resolve("pruned");
    String[] args = {
      "prune",
      "--model",
      model.toString(),
      "--samples",
      samples.toString(),
      "--flops-keep",
      "0.8",
      "--tokens",
      "100",
      "--seed",
      "5",
      "--linkage",
      "direct",
      "--out",
      out.toString(),
      "--json"
    };
    CliRunner r = CliRunner.run(args);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.json();
    for (String key :
        new String[] {
          "flopsKeptRequested",
          "flopsKept",
          "paramsBefore",
          "paramsAfter",
          "headsPerLayer",
          "ffnPerLayer",
          "seconds"
        }) {
      assertTrue(j.has(key), key + " in " + j);
    }
    assertTrue(j.get("flopsKept").asDouble() <= 0.8 + 1e-9, j.toString());
    assertTrue(j.get("paramsAfter").asLong() < j.get("paramsBefore").asLong());
    assertTrue(j.get("seconds").has("profile") && j.get("seconds").has("clustering"));
    assertTrue(Files.isRegularFile(out.resolve("pruning-report.json")));
    assertTrue(Files.readString(out.resolve("pruning-report.html")).contains("<svg class=\"chart"));
    assertTrue(r.err().contains("profiling: 50 samples"), "progress shown: " + r.err());
    try (TransformerModel m = TransformerModel.load(out)) {
      assertEquals(
          j.get("headsPerLayer").toString(), m.spec().headsPerLayer().toString().replace(" ", ""));
      assertEquals(
          "p-pruning", ((java.util.Map<?, ?>) m.spec().metadata().get("pruning")).get("method"));
    }
    // Same seed and samples: the same model, bit for bit.
    Path again = tmp.resolve("again");
    args[args.length - 2] = again.toString();
    assertEquals(0, CliRunner.run(args).exitCode());
    assertArrayEquals(
        Files.readAllBytes(out.resolve("variables/variables.data-00000-of-00001")),
        Files.readAllBytes(again.resolve("variables/variables.data-00000-of-00001")));
    assertEquals(
        Files.readString(out.resolve("assets/ppruning-spec.json")),
        Files.readString(again.resolve("assets/ppruning-spec.json")));
    // Another seed samples other tokens: a valid cut within the same budget.
    Path other = tmp.resolve("other-seed");
    args[args.length - 2] = other.toString();
    args[10] = "6";
    CliRunner o = CliRunner.run(args);
    assertEquals(0, o.exitCode(), o.err());
    assertTrue(o.json().get("flopsKept").asDouble() <= 0.8 + 1e-9);
    try (TransformerModel m = TransformerModel.load(other)) {
      assertEquals(
          6L,
          ((Number) ((java.util.Map<?, ?>) m.spec().metadata().get("pruning")).get("seed"))
              .longValue());
    }
  }

  @Test
  void compensationKeepsTheShapesAndRecordsItself() throws Exception {
    Path plain = tmp.resolve("plain");
    Path comp = tmp.resolve("ls");
    List<String> args =
        new ArrayList<>(
            List.of(
                "prune",
                "--model",
                model.toString(),
                "--samples",
                samples.toString(),
                "--flops-keep",
                "0.6",
                "--linkage",
                "direct",
                "--json",
                "--out"));
    List<String> a = new ArrayList<>(args);
    a.add(plain.toString());
    CliRunner r = CliRunner.run(a.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("none", r.json().get("compensation").asText());
    a = new ArrayList<>(args);
    a.addAll(
        List.of(comp.toString(), "--compensation", "least-squares", "--compensation-rows", "200"));
    r = CliRunner.run(a.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("least-squares", r.json().get("compensation").asText());
    assertTrue(r.json().get("seconds").has("compensation"), r.json().toString());
    try (TransformerModel p = TransformerModel.load(plain);
        TransformerModel c = TransformerModel.load(comp)) {
      assertEquals(p.spec().layers(), c.spec().layers());
      var pw = p.readWeights();
      var cw = c.readWeights();
      assertEquals(pw.names(), cw.names());
      int changed = 0;
      for (String n : pw.names()) {
        assertArrayEquals(pw.get(n).shape(), cw.get(n).shape(), n);
        changed += pw.get(n).equals(cw.get(n)) ? 0 : 1;
      }
      // Per layer: output-projection kernel and bias of attention and FFN (where units went).
      assertTrue(changed > 0 && changed <= 8, changed + " tensors changed");
      java.util.Map<?, ?> prov = (java.util.Map<?, ?>) c.spec().metadata().get("pruning");
      assertEquals(
          java.util.Map.of(
              "mode", "least-squares", "fit", "sequential", "rows", 200, "ridge", 0.01),
          prov.get("compensation"));
    }
    // Masked calibration: recorded, and a different fit than unmasked.
    Path masked = tmp.resolve("masked");
    a = new ArrayList<>(args);
    a.addAll(
        List.of(
            masked.toString(),
            "--compensation",
            "least-squares",
            "--compensation-rows",
            "200",
            "--compensation-mask",
            "0.15"));
    r = CliRunner.run(a.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    try (TransformerModel c = TransformerModel.load(comp);
        TransformerModel m = TransformerModel.load(masked)) {
      java.util.Map<?, ?> prov =
          (java.util.Map<?, ?>)
              ((java.util.Map<?, ?>) m.spec().metadata().get("pruning")).get("compensation");
      java.util.Map<?, ?> mask = (java.util.Map<?, ?>) prov.get("mask");
      assertEquals(0.15, mask.get("fraction"));
      assertEquals(1, mask.get("weight"));
      assertTrue(((Number) mask.get("maskedRows")).intValue() > 0, prov.toString());
      var cw = c.readWeights();
      var mw = m.readWeights();
      int differ = 0;
      for (String n : cw.names()) {
        differ += cw.get(n).equals(mw.get(n)) ? 0 : 1;
      }
      assertTrue(differ > 0, "masked calibration changed no tensor");
    }
  }

  @Test
  void badInputIsRefusedAndNothingIsWritten() throws Exception {
    Path out = tmp.resolve("never");
    Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "\n");
    Path noText = Files.writeString(tmp.resolve("notext.jsonl"), "{\"id\": \"a\", \"label\": 1}\n");
    Path notOurs = Files.createDirectories(tmp.resolve("not-a-model"));
    String[][] cases = {
      {"holds no samples", "--samples", empty.toString(), "--model", model.toString()},
      {
        "line 1: missing or empty \"text\"",
        "--samples",
        noText.toString(),
        "--model",
        model.toString()
      },
      {
        "neither a Hugging Face checkpoint",
        "--samples",
        samples.toString(),
        "--model",
        notOurs.toString()
      },
      {
        "(0, 1]",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--flops-keep",
        "1.5"
      },
      {"(0, 1]", "--samples", samples.toString(), "--model", model.toString(), "--flops-keep", "0"},
      {"--seed", "--samples", samples.toString(), "--model", model.toString(), "--seed", "abc"},
      {
        "compensation must be one of [none, bias, least-squares], got 'ls'",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--compensation",
        "ls"
      },
      {
        "compensation rows must be in [16, 65536]",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--compensation-rows",
        "8"
      },
      {
        "it needs --compensation bias or least-squares",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--compensation-mask",
        "0.15"
      },
      {
        "--compensation-mask must be in [0, 0.5], got 0.7",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--compensation",
        "least-squares",
        "--compensation-mask",
        "0.7"
      },
      {
        "unknown method 'best'",
        "--samples",
        samples.toString(),
        "--model",
        model.toString(),
        "--method",
        "best"
      },
    };
    for (String[] c : cases) {
      List<String> args = new ArrayList<>(List.of("prune", "--out", out.toString()));
      args.addAll(List.of(c).subList(1, c.length));
      CliRunner r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(2, r.exitCode(), String.join(" ", args) + "\n" + r.out() + r.err());
      assertTrue(r.err().contains(c[0]), "expected '" + c[0] + "' in: " + r.err());
      assertFalse(Files.exists(out), "nothing written for " + c[0]);
    }
  }
}
