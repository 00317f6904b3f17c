package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny zText module written byte by byte in SWORD's layout. */
class SwordZTextTest {
  @TempDir Path tmp;

  /** Genesis with chapters of 2 and 1 verses, Matthew with one chapter of 2 verses. */
  static final Versification TINY =
      new Versification(
          "TINY",
          List.of(
              new Versification.Book("Gen", false, new int[] {2, 1}),
              new Versification.Book("Matt", true, new int[] {2})),
          8,
          6);

  static final String LINK = "<<link>>";

  /**
   * Writes one testament: entries per slot (null = empty, LINK = same record as the previous),
   * split into blocks of {@code perBlock} entries.
   */
  static void writeTestament(Path dir, String name, List<String> slots, int perBlock)
      throws IOException {
    ByteBuffer bzv = ByteBuffer.allocate(10 * slots.size()).order(ByteOrder.LITTLE_ENDIAN);
    ByteArrayOutputStream bzz = new ByteArrayOutputStream();
    ByteArrayOutputStream bzs = new ByteArrayOutputStream();
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    int blockNo = 0;
    int[] prev = {0, 0, 0};
    for (int i = 0; i < slots.size(); i++) {
      String s = slots.get(i);
      if (s == null) {
        bzv.putInt(0).putInt(0).putShort((short) 0);
      } else if (s.equals(LINK)) {
        bzv.putInt(prev[0]).putInt(prev[1]).putShort((short) prev[2]);
      } else {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        prev = new int[] {blockNo, block.size(), b.length};
        bzv.putInt(blockNo).putInt(block.size()).putShort((short) b.length);
        block.writeBytes(b);
      }
      if ((i + 1) % perBlock == 0 || i == slots.size() - 1) {
        byte[] raw = block.toByteArray();
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        byte[] buf = new byte[raw.length + 64];
        int n = d.deflate(buf);
        d.end();
        ByteBuffer rec = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        rec.putInt(bzz.size()).putInt(n).putInt(raw.length);
        bzs.writeBytes(rec.array());
        bzz.write(buf, 0, n);
        block.reset();
        blockNo++;
      }
    }
    Files.write(dir.resolve(name + ".bzv"), bzv.array());
    Files.write(dir.resolve(name + ".bzs"), bzs.toByteArray());
    Files.write(dir.resolve(name + ".bzz"), bzz.toByteArray());
  }

  static Path module(Path root, String versification, List<String> ot, List<String> nt)
      throws IOException {
    Path data = Files.createDirectories(root.resolve("modules/texts/ztext/tiny"));
    Files.createDirectories(root.resolve("mods.d"));
    Files.writeString(
        root.resolve("mods.d/tiny.conf"),
        "# test module\n[Tiny]\n"
            + "DataPath=./modules/texts/ztext/tiny/\nModDrv=zText\nEncoding=UTF-8\n"
            + "CompressType=ZIP\nBlockType=BOOK\nVersification="
            + versification
            + "\n"
            + "Feature=StrongsNumbers\nFeature=Other\n");
    writeTestament(data, "ot", ot, 3);
    writeTestament(data, "nt", nt, 4);
    return root.resolve("mods.d/tiny.conf");
  }

  static List<String> ot() {
    List<String> s = new ArrayList<>();
    s.add(null); // module heading
    s.add("<milestone type=\"x-importer\"/>"); // testament heading
    s.add("<div osisID=\"Gen\" type=\"book\"/>");
    s.add("<chapter n=\"1\" osisID=\"Gen.1\" sID=\"Gen.1\"/> ");
    s.add(
        "In the <w lemma=\"strong:H7225\">beginning</w> God created the heaven &amp; the "
            + "earth.<note placement=\"foot\"><reference>1:1 </reference>A footnote.</note> ");
    s.add(
        "<title type=\"psalm\">A heading</title>\u00b6 And the earth was <transChange "
            + "type=\"added\">without</transChange> form. <chapter eID=\"Gen.1\"/>");
    s.add("<chapter n=\"2\" osisID=\"Gen.2\" sID=\"Gen.2\"/>");
    s.add("Thus the heavens \u2014 and the earth &#x2014; were finished.");
    return s;
  }

  static List<String> nt() {
    List<String> s = new ArrayList<>();
    s.add(null);
    s.add(null);
    s.add("<div osisID=\"Matt\" type=\"book\"/>");
    s.add("<chapter osisID=\"Matt.1\" sID=\"Matt.1\"/>");
    s.add("The book of the generation of Jesus Christ.");
    s.add(LINK);
    return s;
  }

  @Test
  void readsEveryVerseInCanonicalOrder() throws IOException {
    Path root = tmp.resolve("sword");
    Path conf = module(root, "TINY", ot(), nt());

    Map<Versification.Ref, SwordZText.Entry> v = SwordZText.read(root, conf, TINY);

    assertEquals(
        List.of("Gen.1.1", "Gen.1.2", "Gen.2.1", "Matt.1.1", "Matt.1.2"),
        v.keySet().stream().map(Versification.Ref::toString).toList());
    SwordZText.Entry g11 = v.get(new Versification.Ref("Gen", 1, 1));
    assertEquals(
        "In the beginning God created the heaven & the earth.",
        SwordZText.plainText(g11.osis(), "Gen.1.1"));
    assertEquals(
        "And the earth was without form.",
        SwordZText.plainText(v.get(new Versification.Ref("Gen", 1, 2)).osis(), "Gen.1.2"));
    assertEquals(
        "Thus the heavens \u2014 and the earth \u2014 were finished.",
        SwordZText.plainText(v.get(new Versification.Ref("Gen", 2, 1)).osis(), "Gen.2.1"));
    assertFalse(v.get(new Versification.Ref("Matt", 1, 1)).linked());
    assertTrue(v.get(new Versification.Ref("Matt", 1, 2)).linked(), "same record as 1:1");
  }

  @Test
  void checksTheVerseCountsAgainstTheChapterMarkers() throws IOException {
    List<String> shifted = ot();
    shifted.set(6, "Gen 1:3 where the table says chapter 2 starts");
    shifted.set(7, "<chapter osisID=\"Gen.2\" sID=\"Gen.2\"/>Thus the heavens.");
    Path root = tmp.resolve("shifted");
    Path conf = module(root, "TINY", shifted, nt());
    IOException e = assertThrows(IOException.class, () -> SwordZText.read(root, conf, TINY));
    assertEquals(
        "Tiny ot.bzv entry 6 (heading of Gen.2): expected the marker <chapter "
            + "osisID=\"Gen.2\">, found none",
        e.getMessage());
  }

  @Test
  void refusesOtherVersificationsDriversAndIndexSizes() throws IOException {
    Path root = tmp.resolve("other");
    Path conf = module(root, "NRSV", ot(), nt());
    IOException e = assertThrows(IOException.class, () -> SwordZText.read(root, conf, TINY));
    assertEquals(conf + ": Versification is 'NRSV', this reader needs 'TINY'", e.getMessage());

    Path root2 = tmp.resolve("short");
    List<String> shortOt = ot().subList(0, 7);
    Path conf2 = module(root2, "TINY", shortOt, nt());
    e = assertThrows(IOException.class, () -> SwordZText.read(root2, conf2, TINY));
    assertTrue(
        e.getMessage()
            .startsWith(
                "Tiny "
                    + root2.resolve("modules/texts/ztext/tiny/ot.bzv")
                    + " has 70 bytes, expected 8 entries"),
        e.getMessage());
  }

  @Test
  void corruptBlocksAreNamed() throws IOException {
    Path root = tmp.resolve("corrupt");
    Path conf = module(root, "TINY", ot(), nt());
    Path bzs = root.resolve("modules/texts/ztext/tiny/ot.bzs");
    byte[] b = Files.readAllBytes(bzs);
    b[12 + 8] += 1; // block 1 (entries 3-5) claims one more uncompressed byte than it has
    Files.write(bzs, b);
    IOException e = assertThrows(IOException.class, () -> SwordZText.read(root, conf, TINY));
    assertTrue(e.getMessage().startsWith("Tiny ot.bzz block 1: inflates to"), e.getMessage());
  }

  @Test
  void plainTextRefusesBrokenMarkup() {
    IOException e =
        assertThrows(
            IOException.class, () -> SwordZText.plainText("a <w lemma=\"x\" b", "Gen.1.1"));
    assertTrue(e.getMessage().startsWith("Gen.1.1: unbalanced markup"), e.getMessage());
  }

  @Test
  void realVersificationsHaveTheKnownSizes() {
    assertEquals(31_102, Versification.KJV.verses().size());
    assertEquals(31_104, Versification.NRSVA.verses().size());
    assertEquals(24_115, Versification.KJV.tabulatedSlots(false));
    assertEquals(8_246, Versification.KJV.tabulatedSlots(true));
    assertEquals(8_248, Versification.NRSVA.tabulatedSlots(true));
    assertEquals(
        new Versification.Slot(false, 4),
        Versification.KJV.slot(new Versification.Ref("Gen", 1, 1)));
    // Revelation 22:21 is the last entry of the KJV New Testament index.
    assertEquals(
        new Versification.Slot(true, 8_245),
        Versification.KJV.slot(new Versification.Ref("Rev", 22, 21)));
  }

  @Test
  void sattoloPairsNoVerseWithItself() {
    for (int n = 2; n < 40; n++) {
      int[] p = ParaphraseDataset.sattolo(n, new Random(n));
      boolean[] seen = new boolean[n];
      for (int i = 0; i < n; i++) {
        assertNotEquals(i, p[i]);
        seen[p[i]] = true;
      }
      for (boolean s : seen) {
        assertTrue(s, "a permutation");
      }
    }
  }

  @Test
  void aVerseEndsWithItsBook() {
    String last =
        "<w>Amen.</w> <chapter eID=\"Rev.22\"/> <div canonical=\"true\" eID=\"gen1\" osisID=\"Rev\""
            + " type=\"book\"/> <div sID=\"gen2\" type=\"glossary\"/> Abaddon is Hebrew";
    assertEquals("<w>Amen.</w> <chapter eID=\"Rev.22\"/> ", ParaphraseDataset.beforeBookEnd(last));
    String opening = "<div osisID=\"Gen\" sID=\"gen0\" type=\"book\"/>In the beginning";
    assertEquals(opening, ParaphraseDataset.beforeBookEnd(opening));
  }
}
