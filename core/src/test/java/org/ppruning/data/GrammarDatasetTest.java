package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LanguageTool rule files in their own format, inside a jar. */
class GrammarDatasetTest {
  @TempDir Path tmp;

  static final String GRAMMAR =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <!DOCTYPE rules [
          <!ENTITY apostrophe "['’`´‘]">
          <!ENTITY months "January|February">
      ]>
      <rules lang="en">
        <category id="GRAMMAR" name="Grammar">
          <rulegroup id="A_AN" name="a/an">
            <antipattern>
              <token>a</token>
              <example>A snippet the antipattern shows.</example>
            </antipattern>
            <rule>
              <pattern><token>a</token><token regexp="yes">&months;</token></pattern>
              <message>Use <suggestion>an</suggestion>.</message>
              <example correction="an">It was <marker>a</marker> apple.</example>
              <example>It was an
                  apple.</example>
              <example type="triggers_error">A known false alarm.</example>
            </rule>
          </rulegroup>
          <rule id="THEIR" name="their">
            <pattern><token>there</token></pattern>
            <message>Did you mean <suggestion>their</suggestion>?</message>
            <example correction="">I lost <marker>there</marker> keys.</example>
            <example>It was an apple.</example>
            <example>I saw it in &apostrophe;.</example>
            <example>Both ways.</example>
          </rule>
        </category>
      </rules>
      """;

  static final String STYLE =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <rules lang="en">
        <category id="STYLE" name="Style">
          <rule id="WORDY" name="wordy">
            <pattern><token>very</token></pattern>
            <message>Wordy.</message>
            <example correction="unique">It is <marker>very unique</marker>.</example>
            <example correction="x">Both ways.</example>
          </rule>
        </category>
      </rules>
      """;

  static Path jar(Path file, String grammar, String style) throws IOException {
    try (OutputStream f = Files.newOutputStream(file);
        ZipOutputStream z = new ZipOutputStream(f)) {
      z.putNextEntry(new ZipEntry("org/languagetool/rules/en/grammar.xml"));
      z.write(grammar.getBytes(StandardCharsets.UTF_8));
      z.putNextEntry(new ZipEntry("org/languagetool/rules/en/style.xml"));
      z.write(style.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  @Test
  void readsRuleExamplesWithTheirLabels() throws IOException {
    GrammarDataset.Loaded l =
        GrammarDataset.read(jar(tmp.resolve("language-en.jar"), GRAMMAR, STYLE));

    assertEquals(
        List.of(
            new Sample(GrammarDataset.id("It was a apple."), "It was a apple.", null, "0"),
            new Sample(GrammarDataset.id("It was an apple."), "It was an apple.", null, "1"),
            new Sample(GrammarDataset.id("I lost there keys."), "I lost there keys.", null, "0"),
            new Sample(
                GrammarDataset.id("I saw it in ['’`´‘]."), "I saw it in ['’`´‘].", null, "1"),
            new Sample(GrammarDataset.id("It is very unique."), "It is very unique.", null, "0")),
        l.samples());
    // 5 acceptable / 4 unacceptable examples in rules; one triggers_error and one antipattern
    // example skipped; "It was an apple." twice; "Both ways." both acceptable and unacceptable.
    assertEquals(new GrammarDataset.Counts(4, 4, 1, 1, 1, 1, 2, 3), l.counts());
    assertTrue(l.samples().get(0).id().matches("lt-[0-9a-f]{12}"));
  }

  @Test
  void errorsNameTheFileAndLine() throws IOException {
    Path bad =
        jar(
            tmp.resolve("bad.jar"),
            GRAMMAR.replace("type=\"triggers_error\"", "type=\"incorrect\""),
            STYLE);
    IOException e = assertThrows(IOException.class, () -> GrammarDataset.read(bad));
    assertEquals(
        bad
            + "!/org/languagetool/rules/en/grammar.xml line 19: <example "
            + "type=\"incorrect\"> is not a type this reader knows (only triggers_error)",
        e.getMessage());

    Path broken = jar(tmp.resolve("broken.jar"), GRAMMAR, STYLE.replace("</rule>", "</rul>"));
    e = assertThrows(IOException.class, () -> GrammarDataset.read(broken));
    assertTrue(
        e.getMessage()
            .startsWith(broken + "!/org/languagetool/rules/en/style.xml line 9 " + "column "),
        e.getMessage());
  }
}
