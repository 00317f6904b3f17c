package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;

/**
 * finetune --teacher on a tiny model and tiny SST-2 files: the weight decays unless
 * --no-distill-decay, the choice is reported and stored with the model, a mismatched teacher is
 * refused by name, and the teacher's options are refused without a teacher or with a weight of 0.
 */
class TeacherCliTest {
  @TempDir Path tmp;

  private Path export(ModelSpec spec, String name) throws Exception {
    Path dir = tmp.resolve(name);
    Path tokenizer = Files.createDirectories(tmp.resolve("tokenizer-" + name));
    TinyModels.tokenizer(tokenizer);
    try (TransformerModel m =
        TransformerModel.build(
            spec, TinyModels.randomWeights(spec, 1), tokenizer.resolve("tokenizer.json"))) {
      m.export(dir, false);
    }
    return dir;
  }

  private Path sst2() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("SST-2"));
    Random r = new Random(3);
    for (String split : new String[] {"train", "dev"}) {
      StringBuilder b = new StringBuilder("sentence\tlabel\n");
      for (int i = 0; i < 16; i++) {
        b.append(TinyModels.words(r, 4)).append('\t').append(i % 2).append('\n');
      }
      Files.writeString(dir.resolve(split + ".tsv"), b);
    }
    return dir;
  }

  private CliRunner finetune(Path model, Path data, Path teacher, String out, String... extra) {
    List<String> args = new ArrayList<>(List.of("--teacher", teacher.toString(), "--epochs", "1"));
    args.addAll(List.of(extra));
    return run(model, data, out, args.toArray(String[]::new));
  }

  @Test
  void teacherWeightDecaysUnlessToldOtherwise() throws Exception {
    Path model = export(TinyModels.bertSpec(2, 16, 4, 32), "tiny");
    Path data = sst2();

    CliRunner decaying = finetune(model, data, model, "decaying");
    assertEquals(0, decaying.exitCode(), decaying.err());
    JsonNode j = decaying.json();
    assertEquals(model.toString(), j.get("teacher").asText(), j.toString());
    assertEquals(10.0, j.get("distillWeight").asDouble(), j.toString());
    assertTrue(j.get("distillDecay").asBoolean(), j.toString());
    assertEquals(true, finetuneMetadata(tmp.resolve("decaying")).get("distillDecay"));

    CliRunner constant =
        finetune(model, data, model, "constant", "--no-distill-decay", "--distill-weight", "3");
    assertEquals(0, constant.exitCode(), constant.err());
    assertFalse(constant.json().get("distillDecay").asBoolean(), constant.out());
    assertEquals(3.0, constant.json().get("distillWeight").asDouble(), constant.out());
    assertEquals(false, finetuneMetadata(tmp.resolve("constant")).get("distillDecay"));

    CliRunner explicit = finetune(model, data, model, "explicit", "--distill-decay");
    assertEquals(0, explicit.exitCode(), explicit.err());
    assertTrue(explicit.json().get("distillDecay").asBoolean(), explicit.out());
  }

  @Test
  void teacherOfAnotherShapeIsRefused() throws Exception {
    Path model = export(TinyModels.bertSpec(2, 16, 4, 32), "two-layers");
    Path deeper = export(TinyModels.bertSpec(3, 16, 4, 32), "three-layers");
    CliRunner r = finetune(model, sst2(), deeper, "refused");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err()
            .contains("the architecture, vocabulary, hidden size and layer count must" + " match"),
        r.err());
    assertTrue(r.err().contains("3 layers") && r.err().contains("2 layers"), r.err());
    assertFalse(Files.exists(tmp.resolve("refused").resolve("saved_model.pb")));
  }

  @Test
  void teacherOptionsNeedATeacherAndAPositiveWeight() throws Exception {
    Path model = export(TinyModels.bertSpec(2, 16, 4, 32), "tiny");
    Path data = sst2();
    for (String[] o :
        new String[][] {{"--distill-weight", "5"}, {"--no-distill-decay"}, {"--distill-decay"}}) {
      CliRunner r =
          CliRunner.run(
              Stream.concat(
                      Stream.of(
                          "finetune",
                          "--model",
                          model.toString(),
                          "--task",
                          "sst2",
                          "--data",
                          data.toString(),
                          "--out",
                          tmp.resolve("no-teacher").toString()),
                      Stream.of(o))
                  .toArray(String[]::new));
      assertEquals(2, r.exitCode(), r.err());
      String name = o[0].equals("--distill-weight") ? o[0] : "--[no-]distill-decay";
      assertTrue(r.err().contains(name + " needs a teacher"), r.err());
    }
    CliRunner zero = finetune(model, data, model, "zero", "--distill-weight", "0");
    assertEquals(2, zero.exitCode(), zero.err());
    assertTrue(
        zero.err().contains("--distill-weight must be a finite number > 0, got 0.0"), zero.err());
    assertFalse(Files.exists(tmp.resolve("no-teacher")));
    assertFalse(Files.exists(tmp.resolve("zero")));
  }

  /**
   * A pruned pre-trained model gets the measured recipe unless told otherwise: its source as a
   * decaying teacher, 5 epochs, 3e-4; each option given wins; a source that cannot be opened is
   * refused naming it and the way out.
   */
  @Test
  void prunedModelGetsTheMeasuredRecipe() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    Path source = export(spec, "source");
    Path pruned =
        export(
            spec.withSource(source.toString())
                .withMetadata("pruning", Map.of("method", "p-pruning")),
            "pruned");
    Path data = sst2();

    CliRunner byDefault = run(pruned, data, "recipe");
    assertEquals(0, byDefault.exitCode(), byDefault.err());
    JsonNode j = byDefault.json();
    assertEquals("pruned", j.get("recipe").asText(), j.toString());
    assertEquals(source.toString(), j.get("teacher").asText(), j.toString());
    assertEquals(5, j.get("history").size(), j.toString());
    assertEquals(3e-4, j.get("learningRate").asDouble(), 1e-9, j.toString());
    assertTrue(j.get("distillDecay").asBoolean(), j.toString());
    assertTrue(byDefault.err().contains("the pruned-model recipe"), byDefault.err());

    CliRunner told =
        run(pruned, data, "told", "--teacher", "none", "--epochs", "1", "--lr", "1e-4");
    assertEquals(0, told.exitCode(), told.err());
    assertNull(told.json().get("teacher"), told.out());
    assertEquals(1, told.json().get("history").size(), told.out());
    assertEquals(1e-4, told.json().get("learningRate").asDouble(), 1e-9, told.out());

    CliRunner plain = run(source, data, "plain", "--epochs", "1");
    assertEquals(0, plain.exitCode(), plain.err());
    assertEquals("default", plain.json().get("recipe").asText(), plain.out());
    assertEquals(5e-5, plain.json().get("learningRate").asDouble(), 1e-9, plain.out());
    assertNull(plain.json().get("teacher"), plain.out());

    Path orphan =
        export(
            spec.withSource(tmp.resolve("gone").toString())
                .withMetadata("pruning", Map.of("method", "p-pruning")),
            "orphan");
    CliRunner missing = run(orphan, data, "missing", "--epochs", "1");
    assertEquals(2, missing.exitCode(), missing.err());
    assertTrue(
        missing.err().contains("cannot open the teacher '" + tmp.resolve("gone")), missing.err());
    assertTrue(missing.err().contains("--teacher none"), missing.err());
    assertFalse(Files.exists(tmp.resolve("missing").resolve("saved_model.pb")));
  }

  @Test
  void aTextLongerThanMaxLenIsRefusedNamingTheOption() throws Exception {
    Path model = export(TinyModels.bertSpec(2, 16, 4, 32), "tiny");
    Path data = sst2();
    Path train = data.resolve("train.tsv");
    Files.writeString(
        train, Files.readString(train) + TinyModels.words(new Random(5), 40) + "\t1\n");
    CliRunner r = run(model, data, "long", "--teacher", "none", "--epochs", "1");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("more than the limit of 16 (texts are never truncated)"), r.err());
    assertTrue(
        r.err().contains("or more accepts it (now 16; at most the model's positions)"), r.err());
    assertTrue(r.err().contains("; --max-len "), r.err());
    assertFalse(Files.exists(tmp.resolve("long").resolve("saved_model.pb")));
  }

  private CliRunner run(Path model, Path data, String out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "finetune",
                "--model",
                model.toString(),
                "--task",
                "sst2",
                "--data",
                data.toString(),
                "--batch",
                "8",
                "--max-len",
                "16",
                "--out",
                tmp.resolve(out).toString(),
                "--json"));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> finetuneMetadata(Path dir) throws Exception {
    try (TransformerModel m = TransformerModel.load(dir)) {
      return (Map<String, Object>) m.spec().metadata().get("finetune");
    }
  }
}
