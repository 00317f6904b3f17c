package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.fetch.ArtifactCache;

/**
 * Every built-in dataset from the real registry artifacts (fetched into the default cache on first
 * use): counts, split sizes, label balance per split and known records.
 */
@Tag("real")
class DatasetsRealTest {
  private final ArtifactCache cache =
      ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());

  /** Label -> count, as "label=count" pairs in label order. */
  static Map<String, Integer> labels(List<Sample> s) {
    Map<String, Integer> m = new TreeMap<>();
    for (Sample x : s) {
      m.merge(x.label(), 1, Integer::sum);
    }
    return m;
  }

  static Map<String, Sample> byId(List<Sample> s) {
    return s.stream().collect(Collectors.toMap(Sample::id, x -> x));
  }

  static void noIdInTwoSplits(SplitData<?> d, java.util.function.Function<Object, String> id) {
    Set<String> seen = new HashSet<>();
    for (Object o : d.all()) {
      assertTrue(seen.add(id.apply(o)), "duplicate id " + id.apply(o));
    }
  }

  @Test
  void sentimentKeepsItsIdsAndSplits80_10_10() throws IOException {
    List<Sample> all = SentimentDataset.load(cache, System.err);
    assertEquals(3_000, all.size());
    assertEquals("imdb-0", all.get(0).id());
    assertEquals("amazon-999", all.get(2_999).id());
    assertEquals(all, Tasks.allSamples("sentiment", cache, System.err));

    SplitData<Sample> s = Tasks.splits("sentiment", cache, System.err);
    assertEquals("2412/298/290", s.toString());
    assertEquals(Map.of("0", 1_217, "1", 1_195), labels(s.train()));
    assertEquals(Map.of("0", 143, "1", 155), labels(s.dev()));
    assertEquals(Map.of("0", 140, "1", 150), labels(s.test()));
    // What pruning profiles by default: the train split.
    assertEquals(s.train(), Tasks.samples("sentiment", cache, System.err));
    assertEquals(
        new Sample(
            "imdb-0",
            "A very, very, very slow-moving, aimless movie about a "
                + "distressed, drifting young man.",
            null,
            "0"),
        s.train().get(0));
  }

  @Test
  void grammarFromLanguageToolRuleExamples() throws IOException {
    GrammarDataset.Loaded l = GrammarDataset.load(cache, System.err);
    assertEquals(GrammarDataset.EXPECTED, l.counts());
    assertEquals(21_860, l.samples().size());

    SplitData<Sample> s = Tasks.splits("grammar", cache, System.err);
    assertEquals("17540/2191/2129", s.toString());
    assertEquals(Map.of("0", 7_688, "1", 9_852), labels(s.train()));
    assertEquals(Map.of("0", 977, "1", 1_214), labels(s.dev()));
    assertEquals(Map.of("0", 966, "1", 1_163), labels(s.test()));
    Map<String, Sample> byId = byId(s.all());
    assertEquals(21_860, byId.size());
    Sample oxford = byId.get("lt-f52ff6a85989");
    assertEquals(
        new Sample("lt-f52ff6a85989", "Are you using the oxford comma?", null, "0"), oxford);
    long withMarkup =
        s.all().stream().filter(x -> x.text().contains("<") && x.text().contains("marker")).count();
    assertEquals(0, withMarkup, "marker tags are stripped");
  }

  @Test
  void paraphraseFromKjvAndWebVerses() throws IOException {
    SplitData<Sample> s = Tasks.splits("paraphrase", cache, System.err);
    assertEquals("49876/5886/6428", s.toString());
    for (Split sp : Split.values()) {
      Map<String, Integer> l = labels(s.get(sp));
      assertEquals(l.get("0"), l.get("1"), sp + ": one negative per positive");
    }
    assertEquals(Map.of("0", 24_938, "1", 24_938), labels(s.train()));
    assertEquals(62_190, s.all().size());
    Map<String, Sample> byId = byId(s.all());
    assertEquals(62_190, byId.size());
    assertEquals(
        new Sample(
            "Gen.1.1",
            "In the beginning God created the heaven and the earth.",
            "In the beginning, God created the heavens and the earth.",
            "1"),
        byId.get("Gen.1.1"));
    assertEquals(
        new Sample("John.11.35", "Jesus wept.", "Jesus wept.", "1"), byId.get("John.11.35"));
    assertEquals(
        "Praise Yahweh, all you nations! Extol him, all you peoples!",
        byId.get("Ps.117.1").textPair());
    // The WEB module stores its glossary in Rev.22.21's entry, after the end of the book.
    assertEquals(
        "The grace of the Lord Jesus Christ be with all the saints. Amen.",
        byId.get("Rev.22.21").textPair());
    Sample longest =
        s.all().stream()
            .max(Comparator.comparingInt(x -> x.text().length() + x.textPair().length()))
            .orElseThrow();
    assertTrue(
        longest.text().length() + longest.textPair().length() < 1100,
        "the longest pair, " + longest.id() + ": " + longest);
    // The seven verses the WEB module leaves empty are not pairs.
    for (String v :
        List.of(
            "Luke.17.36",
            "Acts.8.37",
            "Acts.15.34",
            "Acts.24.7",
            "Rom.16.25",
            "Rom.16.26",
            "Rom.16.27")) {
      assertFalse(byId.containsKey(v), v);
    }
    // A whole chapter is in one split; negatives pair verses of the same chapter.
    Map<String, Split> chapterSplit = new HashMap<>();
    for (Split sp : Split.values()) {
      for (Sample x : s.get(sp)) {
        String verse = x.id().split("~")[0];
        String chapter = verse.substring(0, verse.lastIndexOf('.'));
        assertEquals(sp, chapterSplit.computeIfAbsent(chapter, c -> sp), chapter);
        if (x.label().equals("0")) {
          String other = x.id().split("~")[1];
          assertEquals(chapter, other.substring(0, other.lastIndexOf('.')), x.id());
          assertEquals(byId.get(other).textPair(), x.textPair(), x.id());
        }
      }
    }
    assertEquals(1_189, chapterSplit.size());
    // Alignment check: a verse shares more words with its own translation than with the
    // negative's verse in nearly all cases (misaligned versifications would break this).
    int positiveWins = 0;
    int pairs = 0;
    for (Sample x : s.all()) {
      if (x.label().equals("0")) {
        Sample pos = byId.get(x.id().split("~")[0]);
        pairs++;
        positiveWins +=
            jaccard(pos.text(), pos.textPair()) > jaccard(x.text(), x.textPair()) ? 1 : 0;
      }
    }
    System.err.printf(
        "paraphrase: positive overlap beats its negative in %d of %d%n", positiveWins, pairs);
    assertTrue(positiveWins >= 0.998 * pairs, positiveWins + " of " + pairs);
  }

  static double jaccard(String a, String b) {
    Set<String> x = new HashSet<>(Arrays.asList(a.toLowerCase().split("\\W+")));
    Set<String> y = new HashSet<>(Arrays.asList(b.toLowerCase().split("\\W+")));
    Set<String> inter = new HashSet<>(x);
    inter.retainAll(y);
    x.addAll(y);
    return inter.size() / (double) x.size();
  }

  @Test
  void spamAssassinMails() throws IOException {
    List<Sample> all = SpamDataset.load(cache, System.err);
    assertEquals(6_046, all.size());
    assertEquals(Map.of("ham", 4_150, "spam", 1_896), labels(all));
    SplitData<Sample> s = Tasks.splits("spam", cache, System.err);
    assertEquals("4834/616/596", s.toString());
    assertEquals(Map.of("ham", 3_325, "spam", 1_509), labels(s.train()));
    assertEquals(Map.of("ham", 416, "spam", 200), labels(s.dev()));
    assertEquals(Map.of("ham", 409, "spam", 187), labels(s.test()));
    Sample first = byId(all).get("spam-1/00001");
    assertEquals("spam", first.label());
    assertTrue(
        first.text().startsWith("Life Insurance - Why Pay More?\n\n<!DOCTYPE HTML PUBLIC"),
        first.text().substring(0, 80));
    assertEquals("ham", byId(all).get("hard-ham-1/00230").label());
  }

  @Test
  void sotuAddressesByDocument() throws IOException {
    List<TextDocument> all = SotuCorpus.load(cache, System.err);
    assertEquals(233, all.size());
    assertEquals(1_794_884, all.stream().mapToLong(TextDocument::wordCount).sum());
    assertTrue(
        all.get(0)
            .text()
            .startsWith(
                "Fellow-Citizens of the Senate and House of "
                    + "Representatives: In meeting you again"),
        all.get(0).text().substring(0, 80));
    assertEquals("1790_george_washington_n", all.get(0).id());
    SplitData<TextDocument> s = Tasks.documents("sotu", cache, System.err);
    assertEquals("190/25/18", s.toString());
    assertEquals(List.of(1_457_485L, 192_636L, 144_763L), words(s));
    List<Sample> passages = Tasks.samples("sotu", cache, System.err);
    assertEquals(11_478, passages.size());
    assertEquals(s.train().get(0).id() + "#0", passages.get(0).id());
  }

  @Test
  void mobyDickInContiguousBlocks() throws IOException {
    List<TextDocument> all = MobyDickCorpus.load(cache, System.err);
    assertEquals(139, all.size());
    assertEquals(212_008, all.stream().mapToLong(TextDocument::wordCount).sum());
    assertEquals("chapter_1", all.get(3).id());
    assertTrue(all.get(3).text().startsWith("Call me Ishmael. Some years ago"));
    SplitData<TextDocument> s = Tasks.documents("moby-dick", cache, System.err);
    assertEquals("105/22/12", s.toString());
    assertEquals(List.of(169_772L, 22_075L, 20_161L), words(s));
    assertEquals("chapter_102", s.train().get(104).id());
    assertEquals("chapter_103", s.dev().get(0).id());
    assertEquals("epilogue", s.test().get(11).id());
  }

  static List<Long> words(SplitData<TextDocument> s) {
    return Arrays.stream(Split.values())
        .map(sp -> s.get(sp).stream().mapToLong(TextDocument::wordCount).sum())
        .toList();
  }
}
