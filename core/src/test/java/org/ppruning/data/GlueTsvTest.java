package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small files written exactly as GLUE publishes them, one per task and file kind. */
class GlueTsvTest {
  @TempDir Path tmp;

  private Path write(String dir, String name, String... lines) throws IOException {
    Path d = Files.createDirectories(tmp.resolve(dir));
    return Files.writeString(d.resolve(name), String.join("\n", lines) + "\n");
  }

  private static String tsv(String... f) {
    return String.join("\t", f);
  }

  @Test
  void colaTrainHasNoHeaderAndFourColumns() throws IOException {
    Path f =
        write(
            "CoLA",
            "train.tsv",
            tsv(
                "gj04",
                "1",
                "",
                "Our friends won't buy this analysis, let alone the next one we propose."),
            tsv("gj04", "0", "*", "They drank the pub."),
            tsv("gj04", "1", "", "The sailors rode the breeze clear of the rocks."));

    List<Sample> s = GlueTsv.read(GlueTask.COLA, f);

    assertEquals(3, s.size());
    assertEquals(new Sample("train-1", "They drank the pub.", null, "0"), s.get(1));
    assertEquals("train-0", s.get(0).id());
  }

  @Test
  void colaTestHasAHeaderAndNoLabels() throws IOException {
    Path f =
        write(
            "CoLA",
            "test.tsv",
            tsv("index", "sentence"),
            tsv("0", "Bill whistled past the house."),
            tsv("1", "The car honked its way down the road."));
    List<Sample> s = GlueTsv.read(GlueTask.COLA, f);
    assertEquals(
        new Sample("test-1", "The car honked its way down the road.", null, null), s.get(1));
  }

  @Test
  void sst2Mrpc() throws IOException {
    List<Sample> sst =
        GlueTsv.read(
            GlueTask.SST2,
            write(
                "SST-2",
                "dev.tsv",
                tsv("sentence", "label"),
                tsv("it 's a charming and often affecting journey . ", "1"),
                tsv("unflinchingly bleak and desperate ", "0")));
    assertEquals(new Sample("dev-1", "unflinchingly bleak and desperate ", null, "0"), sst.get(1));

    // GLUE's MRPC files start with a UTF-8 byte-order mark.
    List<Sample> mrpc =
        GlueTsv.read(
            GlueTask.MRPC,
            write(
                "MRPC",
                "train.tsv",
                "\uFEFF" + tsv("Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"),
                tsv(
                    "1",
                    "702876",
                    "702977",
                    "Amrozi accused his brother , whom he called \" the witness \" , "
                        + "of deliberately distorting his evidence .",
                    "Referring to him as only \" the witness "
                        + "\" , Amrozi accused his brother of deliberately distorting his evidence ."),
                tsv(
                    "0",
                    "2108705",
                    "2108831",
                    "Yucaipa owned Dominick 's before selling the chain to "
                        + "Safeway in 1998 for $ 2.5 billion .",
                    "Yucaipa bought Dominick 's in 1995 for $ 693 "
                        + "million and sold it to Safeway for $ 1.8 billion in 1998 .")));
    assertEquals(2, mrpc.size());
    assertEquals("train-0", mrpc.get(0).id());
    assertEquals("1", mrpc.get(0).label());
    assertEquals(
        "Referring to him as only \" the witness \" , Amrozi accused his brother of "
            + "deliberately distorting his evidence .",
        mrpc.get(0).textPair());

    List<Sample> mrpcTest =
        GlueTsv.read(
            GlueTask.MRPC,
            write(
                "MRPC",
                "test.tsv",
                tsv("index", "#1 ID", "#2 ID", "#1 String", "#2 String"),
                tsv(
                    "0",
                    "1089874",
                    "1089925",
                    "PCCW 's chief operating officer , Mike Butcher , and Alex "
                        + "Arena , the chief financial officer , will report directly to Mr So .",
                    "Current "
                        + "Chief Operating Officer Mike Butcher and Group Chief Financial Officer Alex Arena "
                        + "will report to So .")));
    assertEquals("test-0", mrpcTest.get(0).id());
    assertNull(mrpcTest.get(0).label());
  }

  @Test
  void stsbQqpQnliRteWnli() throws IOException {
    List<Sample> sts =
        GlueTsv.read(
            GlueTask.STSB,
            write(
                "STS-B",
                "dev.tsv",
                tsv(
                    "index",
                    "genre",
                    "filename",
                    "year",
                    "old_index",
                    "source1",
                    "source2",
                    "sentence1",
                    "sentence2",
                    "score"),
                tsv(
                    "0",
                    "main-captions",
                    "MSRvid",
                    "2012test",
                    "0000",
                    "none",
                    "none",
                    "A man with a hard hat is dancing.",
                    "A man wearing a hard hat is dancing.",
                    "5.000")));
    assertEquals(
        new Sample(
            "dev-0",
            "A man with a hard hat is dancing.",
            "A man wearing a hard hat is dancing.",
            "5.000"),
        sts.get(0));
    List<Sample> stsTest =
        GlueTsv.read(
            GlueTask.STSB,
            write(
                "STS-B",
                "test.tsv",
                tsv(
                    "index",
                    "genre",
                    "filename",
                    "year",
                    "old_index",
                    "source1",
                    "source2",
                    "sentence1",
                    "sentence2"),
                tsv(
                    "0",
                    "main-captions",
                    "MSRvid",
                    "2012test",
                    "0024",
                    "none",
                    "none",
                    "A girl is styling her hair.",
                    "A girl is brushing her hair.")));
    assertNull(stsTest.get(0).label());

    List<Sample> qqp =
        GlueTsv.read(
            GlueTask.QQP,
            write(
                "QQP",
                "train.tsv",
                tsv("id", "qid1", "qid2", "question1", "question2", "is_duplicate"),
                tsv(
                    "133273",
                    "213221",
                    "213222",
                    "How is the life of a math student? Could you describe "
                        + "your own experiences?",
                    "Which level of prepration is enough for the exam jlpt5?",
                    "0")));
    assertEquals("train-133273", qqp.get(0).id());
    assertEquals(
        1,
        GlueTsv.read(
                GlueTask.QQP,
                write(
                    "QQP",
                    "test.tsv",
                    tsv("id", "question1", "question2"),
                    tsv(
                        "0",
                        "Why do rockets look white?",
                        "Why are rockets and boosters painted white?")))
            .size());

    List<Sample> qnli =
        GlueTsv.read(
            GlueTask.QNLI,
            write(
                "QNLI",
                "dev.tsv",
                tsv("index", "question", "sentence", "label"),
                tsv(
                    "0",
                    "What came into force after the new constitution was herald?",
                    "As of that day, "
                        + "the new constitution heralding the Second Republic came into force.",
                    "entailment")));
    assertEquals("entailment", qnli.get(0).label());

    List<Sample> rte =
        GlueTsv.read(
            GlueTask.RTE,
            write(
                "RTE",
                "train.tsv",
                tsv("index", "sentence1", "sentence2", "label"),
                tsv(
                    "0", "No Weapons of Mass Destruction Found in Iraq Yet.",
                    "Weapons of Mass Destruction Found in Iraq.", "not_entailment")));
    assertEquals("not_entailment", rte.get(0).label());

    List<Sample> wnli =
        GlueTsv.read(
            GlueTask.WNLI,
            write(
                "WNLI",
                "train.tsv",
                tsv("index", "sentence1", "sentence2", "label"),
                tsv(
                    "0",
                        "I stuck a pin through a carrot. When I pulled the pin out, it had a hole.",
                    "The carrot had a hole.", "1")));
    assertEquals("1", wnli.get(0).label());
  }

  @Test
  void mnliTrainDevMatchedAndTest() throws IOException {
    String[] trainHeader = {
      "index",
      "promptID",
      "pairID",
      "genre",
      "sentence1_binary_parse",
      "sentence2_binary_parse",
      "sentence1_parse",
      "sentence2_parse",
      "sentence1",
      "sentence2",
      "label1",
      "gold_label"
    };
    List<Sample> train =
        GlueTsv.read(
            GlueTask.MNLI,
            write(
                "MNLI",
                "train.tsv",
                tsv(trainHeader),
                tsv(
                    "0",
                    "31193",
                    "31193n",
                    "government",
                    "( ( Conceptually ( cream skimming ) ) ... )",
                    "( ( ( Product and ) geography ) ... )",
                    "(ROOT (S ...))",
                    "(ROOT (S ...))",
                    "Conceptually cream skimming has two basic dimensions - product and geography.",
                    "Product and geography are what make cream skimming work. ",
                    "neutral",
                    "neutral")));
    assertEquals("neutral", train.get(0).label());
    assertEquals("train-0", train.get(0).id());

    List<Sample> dev =
        GlueTsv.read(
            GlueTask.MNLI,
            write(
                "MNLI",
                "dev_matched.tsv",
                tsv(
                    "index",
                    "promptID",
                    "pairID",
                    "genre",
                    "sentence1_binary_parse",
                    "sentence2_binary_parse",
                    "sentence1_parse",
                    "sentence2_parse",
                    "sentence1",
                    "sentence2",
                    "label1",
                    "label2",
                    "label3",
                    "label4",
                    "label5",
                    "gold_label"),
                tsv(
                    "0",
                    "63735",
                    "63735n",
                    "slate",
                    "( ... )",
                    "( ... )",
                    "(ROOT ...)",
                    "(ROOT ...)",
                    "The new rights are nice enough",
                    "Everyone really likes the newest benefits ",
                    "neutral",
                    "entailment",
                    "neutral",
                    "neutral",
                    "neutral",
                    "neutral")));
    assertEquals(
        new Sample(
            "dev_matched-0",
            "The new rights are nice enough",
            "Everyone really likes the newest benefits ",
            "neutral"),
        dev.get(0));

    List<Sample> test =
        GlueTsv.read(
            GlueTask.MNLI,
            write(
                "MNLI",
                "test_mismatched.tsv",
                tsv(java.util.Arrays.copyOf(trainHeader, 10)),
                tsv(
                    "0",
                    "1",
                    "1n",
                    "letters",
                    "( ... )",
                    "( ... )",
                    "(ROOT ...)",
                    "(ROOT ...)",
                    "Your contribution helped make it possible for us to provide our students with a "
                        + "quality education.",
                    "Your contributions were of no help with our students' " + "education.")));
    assertEquals("test_mismatched-0", test.get(0).id());
    assertNull(test.get(0).label());
  }

  @Test
  void errorsNameFileLineColumnAndProblem() throws IOException {
    Path short3 =
        write(
            "CoLA",
            "dev.tsv",
            tsv("gj04", "1", "", "Fine sentence."),
            tsv("gj04", "1", "A sentence whose column got lost."));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.COLA, short3));
    assertEquals(
        short3
            + " line 2 column 4 (sentence): missing; expected 4 tab-separated"
            + " columns for CoLA, got 3",
        e.getMessage());
    Path long5 =
        write(
            "CoLA-long",
            "dev.tsv",
            tsv("gj04", "1", "", "Fine sentence."),
            tsv("gj04", "1", "", "Fine sentence.", "stray"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.COLA, long5));
    assertEquals(
        long5
            + " line 2 column 5: unexpected; expected 4 tab-separated columns for"
            + " CoLA, got 5",
        e.getMessage());

    Path badLabel =
        write(
            "CoLA2",
            "train.tsv",
            tsv("gj04", "1", "", "Fine."),
            tsv("gj04", "2", "", "Label two?"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.COLA, badLabel));
    assertEquals(
        badLabel + " line 2 column 2 (label): expected one of 0, 1 for CoLA, got '2'",
        e.getMessage());

    Path badHeader =
        write(
            "RTE",
            "dev.tsv",
            tsv("index", "sentence1", "sentence2", "gold"),
            tsv("0", "a", "b", "entailment"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.RTE, badHeader));
    assertEquals(
        badHeader
            + " line 1 column 4: expected GLUE's RTE header [index, sentence1, "
            + "sentence2, label], got [index, sentence1, sentence2, gold]",
        e.getMessage());

    Path badScore =
        write(
            "STS-B",
            "train.tsv",
            tsv(
                "index",
                "genre",
                "filename",
                "year",
                "old_index",
                "source1",
                "source2",
                "sentence1",
                "sentence2",
                "score"),
            tsv(
                "0",
                "main-captions",
                "MSRvid",
                "2012test",
                "0001",
                "none",
                "none",
                "A plane.",
                "An air plane.",
                "5.8"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.STSB, badScore));
    assertEquals(
        badScore
            + " line 2 column 10 (score): expected a score from 0 to 5 for STS-B, "
            + "got 5.8",
        e.getMessage());

    Path emptyText =
        write(
            "QNLI",
            "train.tsv",
            tsv("index", "question", "sentence", "label"),
            tsv("0", "Why?", " ", "entailment"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.QNLI, emptyText));
    assertEquals(emptyText + " line 2 column 3 (sentence): empty", e.getMessage());

    Path dup =
        write(
            "WNLI",
            "dev.tsv",
            tsv("index", "sentence1", "sentence2", "label"),
            tsv("7", "a", "b", "0"),
            tsv("7", "c", "d", "1"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.WNLI, dup));
    assertEquals(dup + " line 3 column 1 (index): duplicate id 'dev-7'", e.getMessage());

    Path other = write("WNLI", "val.tsv", tsv("index", "sentence1", "sentence2", "label"));
    e = assertThrows(IllegalArgumentException.class, () -> GlueTsv.read(GlueTask.WNLI, other));
    assertEquals(
        other + ": expected a GLUE file named train.tsv, dev*.tsv or test*.tsv", e.getMessage());
  }

  @Test
  void tasksCarryGluesMetricsAndLabels() {
    assertEquals(List.of(Metric.MATTHEWS_CORRELATION), GlueTask.COLA.task().metrics());
    assertEquals(List.of(Metric.PEARSON, Metric.SPEARMAN), GlueTask.STSB.task().metrics());
    assertEquals(TaskKind.REGRESSION, GlueTask.STSB.task().kind());
    assertEquals(List.of(Metric.F1, Metric.ACCURACY), GlueTask.MRPC.task().metrics());
    assertEquals(2, GlueTask.MNLI.task().labelIndex("contradiction"));
    assertEquals(GlueTask.QQP, GlueTask.of("qqp"));
  }
}
