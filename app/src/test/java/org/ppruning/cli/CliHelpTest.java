package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --version}, {@code --help} and the list of commands, as a user sees them. */
class CliHelpTest {

  @Test
  void versionIsTheBuildsProjectVersion() throws IOException {
    CliRunner r = CliRunner.run("--version");
    assertEquals(0, r.exitCode(), r.err());
    // The pom's version, read independently of BuildVersion: the filtered resource must carry it.
    String built = System.getProperty("ppruning.project.version");
    assertTrue(built != null && !built.isBlank(), "surefire passes ppruning.project.version");
    assertEquals("ppruning " + built, r.out().strip());
    Properties p = new Properties();
    try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
      p.load(in);
    }
    assertEquals(built, p.getProperty("version"));
  }

  @Test
  void helpListsEveryCommandIncludingDemo() {
    CliRunner r = CliRunner.run("--help");
    assertEquals(0, r.exitCode(), r.err());
    String commands = r.out().substring(r.out().indexOf("Commands:"));
    for (String c :
        new String[] {
          "models",
          "import",
          "info",
          "verify",
          "export",
          "prune",
          "finetune",
          "eval",
          "up",
          "down",
          "status",
          "pretrain",
          "demo",
          "help"
        }) {
      Matcher m = Pattern.compile("(?m)^\\s+" + c + "\\s").matcher(commands);
      assertTrue(m.find(), c + " missing from --help:\n" + r.out());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "models",
        "import",
        "info",
        "verify",
        "export",
        "prune",
        "finetune",
        "eval",
        "up",
        "down",
        "status",
        "pretrain",
        "demo"
      })
  void helpOnAnyCommandPrintsItsUsageAndExitsZero(String command) {
    for (String flag : new String[] {"--help", "-h"}) {
      CliRunner r = CliRunner.run(command, flag);
      assertEquals(0, r.exitCode(), command + " " + flag + ": " + r.err());
      assertTrue(
          r.out().startsWith("Usage: ppruning " + command + " "),
          command + " " + flag + " printed:\n" + r.out());
      assertFalse(r.err().contains("Missing required"), r.err());
      assertEquals("", r.err(), command + " " + flag + " wrote to stderr");
    }
  }

  @Test
  void pruneHelpShowsItsOptionsNotAMissingOptionError() {
    CliRunner r = CliRunner.run("prune", "--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("--out=DIR"), r.out());
    assertTrue(r.out().contains("--help"), r.out());
    // Without --help the same command still refuses, naming what is missing.
    CliRunner missing = CliRunner.run("prune");
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().startsWith("Missing required option"), missing.err());
  }

  @Test
  void helpCommandPrintsASubcommandsUsage() {
    CliRunner r = CliRunner.run("help", "demo");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("Usage: ppruning demo "), r.out());
    assertTrue(r.out().contains("--flops-keep"), r.out());
  }
}
