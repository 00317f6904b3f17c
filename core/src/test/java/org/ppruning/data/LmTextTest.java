package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WikiText raw and PTB files in their published layout. */
class LmTextTest {
  @TempDir Path tmp;

  static final String WIKI =
      String.join(
          "\n",
          " ",
          " = Valkyria Chronicles III = ",
          " ",
          " Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game . ",
          " ",
          " = = Gameplay = = ",
          " ",
          " As with previous Valkyira Chronicles games , Valkyria Chronicles III is a tactical game . ",
          " ",
          " = Tower Building of the Little Rock Arsenal = ",
          " ",
          " The Tower Building of the Little Rock Arsenal , also known as U.S. Arsenal Building . ",
          " ",
          "");

  @Test
  void wikiTextArticlesStartAtTopLevelHeadings() throws IOException {
    Path f = Files.writeString(tmp.resolve("wiki.valid.raw"), WIKI);

    List<TextDocument> docs = LmText.readWikiText(f);

    assertEquals(2, docs.size());
    assertEquals("wiki.valid.raw#0", docs.get(0).id());
    assertTrue(docs.get(0).text().startsWith(" = Valkyria Chronicles III = \n \n Senjō"));
    assertTrue(docs.get(0).text().contains(" = = Gameplay = = \n"), "sections stay inside");
    assertTrue(docs.get(1).text().startsWith(" = Tower Building of the Little Rock Arsenal = \n"));
    // The documents joined give the file back without its leading blank line.
    assertEquals(WIKI.substring(WIKI.indexOf('\n') + 1), docs.get(0).text() + docs.get(1).text());
    assertTrue(LmText.isArticleHeading(" = Valkyria Chronicles III = "));
    assertFalse(LmText.isArticleHeading(" = = Gameplay = = "));
  }

  @Test
  void wikiTextBeforeTheFirstHeadingIsAnError() throws IOException {
    Path f =
        Files.writeString(
            tmp.resolve("wiki.train.raw"), " \n Stray text without a heading .\n = Title = \n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LmText.readWikiText(f));
    assertEquals(
        f
            + " line 2 column 1: text before the first article heading (\" = Title = \"): "
            + "' Stray text without a heading .'",
        e.getMessage());

    Path none = Files.writeString(tmp.resolve("wiki.test.raw"), " \n \n");
    e = assertThrows(IllegalArgumentException.class, () -> LmText.readWikiText(none));
    assertTrue(e.getMessage().contains("holds no article heading"), e.getMessage());
  }

  @Test
  void ptbOneSentencePerLine() throws IOException {
    Path f =
        Files.writeString(
            tmp.resolve("ptb.valid.txt"),
            " consumers may want to move their telephones a little closer to the tv set \n"
                + " <unk> <unk> watching abc 's monday night football can now vote during <unk> "
                + "for the greatest play in N years from among four or five <unk> <unk> \n");
    List<TextDocument> s = LmText.readPtb(f);
    assertEquals(2, s.size());
    assertEquals("ptb.valid.txt:2", s.get(1).id());
    assertTrue(s.get(1).text().startsWith(" <unk> <unk> watching"));
    assertEquals(14, s.get(0).wordCount());

    Path bad = Files.writeString(tmp.resolve("ptb.train.txt"), " a b \n\n c d \n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LmText.readPtb(bad));
    assertEquals(bad + " line 2: empty line (PTB has one sentence on every line)", e.getMessage());
  }

  @Test
  void malformedUtf8NamesTheLine() throws IOException {
    Path f =
        Files.write(
            tmp.resolve("ptb.test.txt"), new byte[] {' ', 'a', '\n', ' ', 'b', (byte) 0xC3, '\n'});
    IOException e = assertThrows(IOException.class, () -> LmText.readPtb(f));
    assertTrue(e.getMessage().startsWith(f + " line 2: not UTF-8"), e.getMessage());
  }
}
