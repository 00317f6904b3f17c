package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ppruning.fetch.ArtifactCache;

class TasksTest {
  @Test
  void builtInTasksDescribeThemselves() {
    assertEquals(
        List.of("sentiment", "grammar", "paraphrase", "spam", "sotu", "moby-dick"), Tasks.NAMES);
    Task g = Tasks.task("grammar");
    assertEquals(TaskKind.SINGLE_SENTENCE_CLASSIFICATION, g.kind());
    assertEquals(Metric.MATTHEWS_CORRELATION, g.metrics().get(0));
    assertEquals(List.of("unacceptable", "acceptable"), g.labelNames());
    assertTrue(g.standsInFor().startsWith("CoLA"), g.standsInFor());
    assertEquals(TaskKind.SENTENCE_PAIR_CLASSIFICATION, Tasks.task("paraphrase").kind());
    assertEquals(1, Tasks.task("spam").labelIndex("spam"));
    assertEquals(List.of(Metric.PERPLEXITY), Tasks.task("sotu").metrics());
    assertTrue(Tasks.task("moby-dick").kind().isLanguageModelling());
    for (String n : Tasks.NAMES) {
      assertEquals(n, Tasks.task(n).name());
    }
  }

  @Test
  void officialTasksAreDescribedButHaveNoBuiltInData() {
    assertEquals(
        List.of(
            "cola",
            "sst2",
            "mrpc",
            "stsb",
            "qqp",
            "mnli",
            "qnli",
            "rte",
            "wnli",
            "squad-v1.1",
            "squad-v2.0",
            "wikitext",
            "ptb"),
        Tasks.OFFICIAL);
    for (String n : Tasks.OFFICIAL) {
      assertEquals(n, Tasks.task(n).name());
    }
    assertEquals(TaskKind.EXTRACTIVE_QA, Tasks.task("squad-v2.0").kind());
    assertEquals(List.of(Metric.EXACT_MATCH, Metric.TOKEN_F1), Tasks.task("squad-v1.1").metrics());
    ArtifactCache cache =
        new ArtifactCache(
            java.nio.file.Path.of("unused"), ArtifactCache.mavenRepository(System.getProperties()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Tasks.samples("cola", cache, System.err));
    assertTrue(e.getMessage().startsWith("task 'cola' has no built-in data"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Tasks.task("imdb"));
    assertEquals(
        "unknown task 'imdb'; built-in tasks: sentiment, grammar, paraphrase, spam, "
            + "sotu, moby-dick (or pass --samples FILE with JSON lines)",
        e.getMessage());
  }

  @Test
  void taskChecksItsLabels() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Task.classification(
                    "x",
                    TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
                    List.of("a"),
                    List.of("a"),
                    List.of(Metric.ACCURACY),
                    "",
                    ""));
    assertEquals("task x: needs at least 2 labels, got [a]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Task(
                    "y",
                    TaskKind.CAUSAL_LM,
                    List.of("0", "1"),
                    List.of("a", "b"),
                    List.of(Metric.PERPLEXITY),
                    "",
                    ""));
    assertEquals("task y: CAUSAL_LM must not have labels, got [0, 1]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Tasks.task("sentiment").labelIndex("2"));
    assertEquals("task sentiment has no label '2'; labels: [0, 1]", e.getMessage());
  }

  @Test
  void documentsCutIntoPassages() {
    TextDocument d = new TextDocument("doc", "one two  three\nfour five six seven");
    assertEquals(7, d.wordCount());
    List<Sample> p = d.passages(3);
    assertEquals(
        List.of(
            new Sample("doc#0", "one two three", null, null),
            new Sample("doc#1", "four five six", null, null),
            new Sample("doc#2", "seven", null, null)),
        p);
  }

  @Test
  void contiguousSplitCutsAtDocumentBoundaries() {
    List<TextDocument> docs =
        List.of(
            new TextDocument("a", "w ".repeat(50)),
            new TextDocument("b", "w ".repeat(30)),
            new TextDocument("c", "w ".repeat(10)),
            new TextDocument("d", "w ".repeat(10)));
    SplitData<TextDocument> s = MobyDickCorpus.contiguous(docs, 0.8, 0.9);
    // words before: a 0, b 50, c 80 (= 80% of 100, so not train), d 90 (= 90%, so test)
    assertEquals(List.of("a", "b"), s.train().stream().map(TextDocument::id).toList());
    assertEquals(List.of("c"), s.dev().stream().map(TextDocument::id).toList());
    assertEquals(List.of("d"), s.test().stream().map(TextDocument::id).toList());
  }

  @Test
  void mailTextIsSubjectAndBody() throws Exception {
    java.nio.file.Path f = java.nio.file.Path.of("m.json");
    assertEquals(
        "Life Insurance - Why Pay More?\n\n<HTML>body</HTML>",
        SpamDataset.subjectAndBody(
            "From a@b  Thu Aug 22 13:17:22 2002\nTo: <c@d>\nSubject: Life Insurance -\n Why Pay More?\n"
                + "Date: Wed\n\n<HTML>body</HTML>\n",
            f));
    assertEquals("just the body", SpamDataset.subjectAndBody("From: x\r\n\r\njust the body", f));
    java.io.IOException e =
        assertThrows(
            java.io.IOException.class, () -> SpamDataset.subjectAndBody("From: x\nTo: y\n", f));
    assertEquals("m.json: no empty line between the headers and the body", e.getMessage());
  }
}
