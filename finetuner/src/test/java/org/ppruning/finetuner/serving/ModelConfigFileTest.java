package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.serve.ModelConfig;
import org.ppruning.serve.ServingConfig;
import org.ppruning.serve.VersionPolicy;
import org.ppruning.stream.ModelRepository;

/** Conversion of models.config text protos to core's ServingConfig, and what is refused. */
class ModelConfigFileTest {
  static final ModelRepository DEPLOYED = new ModelRepository(Path.of("/models/finetuned"));

  @TempDir Path tmp;

  /** The {@code model_config_list} examples of docs/serving.md, in order. */
  static List<String> docsExamples() throws IOException {
    String md = Files.readString(Path.of("../docs/serving.md"));
    List<String> out = new ArrayList<>();
    for (String block : md.split("```")) {
      if (block.startsWith("\nmodel_config_list")) {
        out.add(block.substring(1));
      }
    }
    return out;
  }

  private static ServingConfig parse(String text) {
    return ModelConfigFile.parse(text, "test.config", DEPLOYED);
  }

  private static String refusal(String text) {
    return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
  }

  @Test
  void docsExamplesConvertToVersionPoliciesAndLabels() throws IOException {
    List<String> examples = docsExamples();
    assertEquals(2, examples.size(), "docs/serving.md shows two models.config examples");

    ServingConfig pinned = parse(examples.get(0));
    assertEquals(
        List.of(
            new ModelConfig(
                "sentiment", VersionPolicy.Specific.of(List.of(1L)), Map.of("stable", 1L))),
        pinned.models());

    ServingConfig latest = parse(examples.get(1));
    assertEquals(List.of("sentiment", "grammar"), latest.names());
    assertEquals(new VersionPolicy.Latest(1), latest.model("sentiment").policy());
    assertEquals(new VersionPolicy.Latest(2), latest.model("grammar").policy());
    assertEquals(Map.of("canary", 4L), latest.model("grammar").labels());
  }

  @Test
  void policiesDefaultsAndRelativeBasePath() {
    ServingConfig c =
        parse(
            "model_config_list { config { name: 'a' }"
                + " config { name: 'b' base_path: 'b' model_version_policy { all {} } }"
                + " config { name: 'c' model_version_policy { latest {} } model_type: TENSORFLOW }"
                + " config { name: 'd' model_version_policy { specific { versions: [3, 1] } } } }");
    assertEquals(VersionPolicy.latest(), c.model("a").policy());
    assertEquals(new VersionPolicy.All(), c.model("b").policy());
    assertEquals(new VersionPolicy.Latest(1), c.model("c").policy());
    assertEquals(VersionPolicy.Specific.of(List.of(1L, 3L)), c.model("d").policy());
    assertEquals(List.of(), parse("model_config_list {}").models());
  }

  @Test
  void badFilesAreRefusedNamingTheFileAndTheProblem() {
    assertEquals(
        "models.config test.config: has no model_config_list (the only kind of configuration"
            + " served here)",
        refusal(""));
    String unsupported = refusal("logging_config { }");
    assertTrue(
        unsupported.startsWith("models.config test.config: not a ModelServerConfig text proto: ")
            && unsupported.contains("logging_config"),
        unsupported);
    assertEquals(
        "models.config test.config: config #1 ('sentiment'): specific { versions } names no"
            + " version",
        refusal(
            "model_config_list { config { name: 'sentiment' model_version_policy { specific"
                + " {} } } }"));
    assertEquals(
        "models.config test.config: config #2 ('sentiment'): model 'sentiment': base_path"
            + " /etc (resolved: /etc) is not the model's folder in the serving repository; it"
            + " must be /models/finetuned/sentiment (a model's folder is <repository>/<name>;"
            + " nothing outside the repository is served)",
        refusal(
            "model_config_list { config { name: 'ok' }"
                + " config { name: 'sentiment' base_path: '/etc' } }"));
    assertEquals(
        "models.config test.config: config #1 ('x'): model 'x': model_platform 'pytorch' is not"
            + " served; only 'tensorflow' (SavedModels) is",
        refusal("model_config_list { config { name: 'x' model_platform: 'pytorch' } }"));
    assertEquals(
        "models.config test.config: config #1 ('x'): model 'x': version label 'canary' must name"
            + " a version >= 1, got 0",
        refusal("model_config_list { config { name: 'x' version_labels { key: 'canary' } } }"));
    assertEquals(
        "models.config test.config: config #1 ('x'): latest { num_versions: 4294967295 } is more"
            + " versions than can be served",
        refusal(
            "model_config_list { config { name: 'x' model_version_policy { latest {"
                + " num_versions: 4294967295 } } } }"));
    assertEquals(
        "models.config test.config: model 'x' is configured twice",
        refusal("model_config_list { config { name: 'x' } config { name: 'x' } }"));
    String traversal = refusal("model_config_list { config { name: '../../etc/passwd' } }");
    assertTrue(
        traversal.startsWith(
            "models.config test.config: config #1 ('../../etc/passwd'): model name: "),
        traversal);
    assertTrue(
        refusal("model_config_list { config { name: 'x' ")
            .startsWith("models.config test.config: not a ModelServerConfig text proto: 1:"),
        "truncated file");
  }

  @Test
  void changedReportsEachNewContentOnceAndAMissingFileAsNoConfig() throws IOException {
    Path f = tmp.resolve("models.config");
    ModelConfigFile file = new ModelConfigFile(f, new ModelRepository(tmp.resolve("repo")));
    assertNull(file.changed().config(), "no file: no models.config");
    assertNull(file.changed(), "still no file: no change");

    Files.writeString(f, "model_config_list { config { name: 'sentiment' } }");
    assertEquals(List.of("sentiment"), file.changed().config().names());
    assertNull(file.changed(), "same content");

    Files.writeString(f, "model_config_list { config { name: 'sentiment' ");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, file::changed);
    assertTrue(bad.getMessage().startsWith("models.config " + f + ": "), bad.getMessage());
    assertNull(file.changed(), "a bad content is reported once");

    Files.write(f, new byte[(int) ModelConfigFile.MAX_BYTES + 1]);
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class, file::changed);
    assertEquals(
        "models.config " + f + " is 1048577 bytes; a models.config may have at most 1048576",
        big.getMessage());
    assertNull(file.changed(), "a too large file is reported once");

    Files.delete(f);
    assertNull(file.changed().config());
  }
}
