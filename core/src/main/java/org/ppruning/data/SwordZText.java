package org.ppruning.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a SWORD Bible module in the zText format (the {@code ModDrv=zText} driver with {@code
 * CompressType=ZIP}), as Debian's {@code sword-text-*} packages install them under {@code
 * usr/share/sword}.
 *
 * <p>The format, per testament ({@code ot}, {@code nt}), all integers little-endian:
 *
 * <ul>
 *   <li>{@code ?t.bzs}: one 12-byte record per compressed block: offset in {@code .bzz} (u32),
 *       compressed size (u32), uncompressed size (u32).
 *   <li>{@code ?t.bzv}: one 10-byte record per index entry (see {@link Versification} for which
 *       entry is which verse): block number (u32), offset in the uncompressed block (u32), size in
 *       bytes (u16). Size 0 is an empty entry. An entry equal to the one before it is a "linked"
 *       verse: the module stores a verse range once and points the later verses of the range at the
 *       same text.
 *   <li>{@code ?t.bzz}: the blocks, each a zlib stream.
 * </ul>
 *
 * <p>Checks, each failing with the module, file, entry and reference: the {@code .conf} names this
 * driver, compression, encoding UTF-8 and the expected versification; the index has exactly as many
 * entries as the versification; every record points inside its block and every block inflates to
 * its recorded size; the text is valid UTF-8; and every chapter-heading entry of the tabulated
 * books carries that chapter's OSIS {@code <chapter osisID="Book.c">} marker while no verse entry
 * carries one, which checks the verse counts against the module itself.
 */
final class SwordZText {

  /** One verse's entry: its OSIS markup ("" if empty) and whether it is linked to the previous. */
  record Entry(String osis, boolean linked) {}

  private static final Pattern CHAPTER_START =
      Pattern.compile("<chapter\\b[^>]*\\bosisID=\"([^\"]+)\"");

  private SwordZText() {}

  /**
   * Module settings from {@code mods.d/<name>.conf}: the section name and its key/value lines (the
   * first value of a repeated key).
   */
  static Map<String, String> readConf(Path conf) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
      lineNo++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      if (l.startsWith("[") && l.endsWith("]")) {
        if (out.containsKey("[module]")) {
          throw new IOException(conf + " line " + lineNo + ": a second module section " + l);
        }
        out.put("[module]", l.substring(1, l.length() - 1));
        continue;
      }
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw new IOException(conf + " line " + lineNo + ": expected KEY=VALUE, got '" + l + "'");
      }
      out.putIfAbsent(l.substring(0, eq), l.substring(eq + 1));
    }
    if (!out.containsKey("[module]")) {
      throw new IOException(conf + ": no [ModuleName] section");
    }
    return out;
  }

  /**
   * Every tabulated verse of the module described by {@code conf} (under a SWORD root such as
   * {@code usr/share/sword}), in canonical order.
   */
  static Map<Versification.Ref, Entry> read(Path swordRoot, Path conf, Versification v)
      throws IOException {
    Map<String, String> c = readConf(conf);
    String module = c.get("[module]");
    expect(conf, c, "ModDrv", "zText");
    expect(conf, c, "CompressType", "ZIP");
    expect(conf, c, "Encoding", "UTF-8");
    expect(conf, c, "Versification", v.name());
    String dataPath = c.get("DataPath");
    if (dataPath == null) {
      throw new IOException(conf + ": no DataPath");
    }
    Path dir = swordRoot.resolve(dataPath).normalize();
    if (!dir.startsWith(swordRoot)) {
      throw new IOException(conf + ": DataPath " + dataPath + " leaves the SWORD folder");
    }
    Testament ot = new Testament(module, dir, "ot", v.otSlots());
    Testament nt = new Testament(module, dir, "nt", v.ntSlots());
    int otTab = v.tabulatedSlots(false);
    int ntTab = v.tabulatedSlots(true);
    if (otTab > v.otSlots() || ntTab != v.ntSlots()) {
      throw new IllegalStateException(
          v.name()
              + " tables take "
              + otTab
              + "/"
              + ntTab
              + " entries, the index sizes are "
              + v.otSlots()
              + "/"
              + v.ntSlots());
    }
    checkChapterMarkers(v, ot, nt);
    Map<Versification.Ref, Entry> out = new LinkedHashMap<>();
    for (Versification.Ref ref : v.verses()) {
      Versification.Slot s = v.slot(ref);
      Testament t = s.newTestament() ? nt : ot;
      out.put(ref, new Entry(t.text(s.index(), ref.toString()), t.linked(s.index())));
    }
    return out;
  }

  private static void checkChapterMarkers(Versification v, Testament ot, Testament nt)
      throws IOException {
    for (Versification.Book b : v.books()) {
      Testament t = b.newTestament() ? nt : ot;
      for (int ch = 1; ch <= b.verses().length; ch++) {
        String id = b.osis() + "." + ch;
        int heading = v.slot(new Versification.Ref(b.osis(), ch, 0)).index();
        Matcher m = CHAPTER_START.matcher(t.text(heading, id + " heading"));
        String found = m.find() ? m.group(1) : null;
        if (!id.equals(found)) {
          throw new IOException(
              t.where(heading)
                  + " (heading of "
                  + id
                  + "): expected the marker "
                  + "<chapter osisID=\""
                  + id
                  + "\">, found "
                  + (found == null ? "none" : "osisID=\"" + found + "\""));
        }
        for (int vs = 1; vs <= b.verses()[ch - 1]; vs++) {
          int slot = heading + vs;
          Matcher w = CHAPTER_START.matcher(t.text(slot, id + "." + vs));
          if (w.find()) {
            throw new IOException(
                t.where(slot)
                    + " ("
                    + id
                    + "."
                    + vs
                    + "): a verse entry holds "
                    + "the chapter marker "
                    + w.group()
                    + "; the verse counts do not fit this module");
          }
        }
      }
    }
  }

  private static void expect(Path conf, Map<String, String> c, String key, String value)
      throws IOException {
    if (!value.equals(c.get(key))) {
      throw new IOException(
          conf + ": " + key + " is '" + c.get(key) + "', this reader needs '" + value + "'");
    }
  }

  /** One testament's three files, blocks inflated on first use. */
  private static final class Testament {
    private final String module;
    private final Path bzv;
    private final Path bzz;
    private final ByteBuffer index;
    private final ByteBuffer blocks;
    private final byte[] compressed;
    private final Map<Integer, byte[]> inflated = new HashMap<>();

    Testament(String module, Path dir, String name, int slots) throws IOException {
      this.module = module;
      Path bzs = dir.resolve(name + ".bzs");
      bzv = dir.resolve(name + ".bzv");
      bzz = dir.resolve(name + ".bzz");
      index = ByteBuffer.wrap(Files.readAllBytes(bzv)).order(ByteOrder.LITTLE_ENDIAN);
      blocks = ByteBuffer.wrap(Files.readAllBytes(bzs)).order(ByteOrder.LITTLE_ENDIAN);
      compressed = Files.readAllBytes(bzz);
      if (index.capacity() != 10L * slots) {
        throw new IOException(
            module
                + " "
                + bzv
                + " has "
                + index.capacity()
                + " bytes, expected "
                + slots
                + " entries of 10 bytes for its versification");
      }
      if (blocks.capacity() % 12 != 0) {
        throw new IOException(
            module
                + " "
                + bzs
                + " has "
                + blocks.capacity()
                + " bytes, not a whole number of 12-byte block records");
      }
    }

    String where(int slot) {
      return module + " " + bzv.getFileName() + " entry " + slot;
    }

    boolean linked(int slot) {
      int size = Short.toUnsignedInt(index.getShort(slot * 10 + 8));
      return slot > 0
          && size > 0
          && index.getInt(slot * 10) == index.getInt(slot * 10 - 10)
          && index.getInt(slot * 10 + 4) == index.getInt(slot * 10 - 6)
          && size == Short.toUnsignedInt(index.getShort(slot * 10 - 2));
    }

    String text(int slot, String ref) throws IOException {
      long block = Integer.toUnsignedLong(index.getInt(slot * 10));
      long offset = Integer.toUnsignedLong(index.getInt(slot * 10 + 4));
      int size = Short.toUnsignedInt(index.getShort(slot * 10 + 8));
      if (size == 0) {
        return "";
      }
      byte[] b = block(block, slot, ref);
      if (offset + size > b.length) {
        throw new IOException(
            where(slot)
                + " ("
                + ref
                + "): bytes "
                + offset
                + ".."
                + (offset + size)
                + " lie outside block "
                + block
                + " of "
                + b.length
                + " bytes");
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b, (int) offset, size))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IOException(where(slot) + " (" + ref + "): not UTF-8", e);
      }
    }

    private byte[] block(long block, int slot, String ref) throws IOException {
      if (block >= blocks.capacity() / 12) {
        throw new IOException(
            where(slot)
                + " ("
                + ref
                + "): block "
                + block
                + " does not exist ("
                + blocks.capacity() / 12
                + " blocks)");
      }
      byte[] cached = inflated.get((int) block);
      if (cached != null) {
        return cached;
      }
      long off = Integer.toUnsignedLong(blocks.getInt((int) block * 12));
      long csize = Integer.toUnsignedLong(blocks.getInt((int) block * 12 + 4));
      long usize = Integer.toUnsignedLong(blocks.getInt((int) block * 12 + 8));
      String bw = module + " " + bzz.getFileName() + " block " + block;
      if (off + csize > compressed.length || usize > Integer.MAX_VALUE - 8) {
        throw new IOException(
            bw
                + ": bytes "
                + off
                + ".."
                + (off + csize)
                + " lie outside the "
                + compressed.length
                + "-byte file");
      }
      Inflater inf = new Inflater();
      try {
        inf.setInput(compressed, (int) off, (int) csize);
        byte[] out = new byte[(int) usize];
        int n = 0;
        while (n < out.length && !inf.finished()) {
          int k = inf.inflate(out, n, out.length - n);
          if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
            break;
          }
          n += k;
        }
        if (n != usize || !inf.finished()) {
          throw new IOException(
              bw
                  + ": inflates to "
                  + n
                  + (inf.finished() ? "" : "+")
                  + " bytes, the block record says "
                  + usize);
        }
        inflated.put((int) block, out);
        return out;
      } catch (DataFormatException e) {
        throw new IOException(bw + ": not a zlib stream (" + e.getMessage() + ")", e);
      } finally {
        inf.end();
      }
    }
  }

  // ---- OSIS markup to plain text ----

  private static final Pattern DROPPED =
      Pattern.compile(
          "(?s)<note\\b[^>]*/>|<note\\b[^>]*>.*?</note>|<title\\b[^>]*>.*?</title>"
              + "|<speaker\\b[^>]*>.*?</speaker>");
  private static final Pattern TAG = Pattern.compile("<[^>]*>");
  private static final Pattern ENTITY = Pattern.compile("&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);");

  /**
   * The readable text of a verse's OSIS markup: footnotes ({@code <note>}), headings and psalm
   * titles ({@code <title>}) and speaker labels ({@code <speaker>}) are removed with their content;
   * every other tag is removed keeping its text (words, {@code <transChange>} words the KJV
   * translators added, {@code <divineName>}, quotations); XML entities are decoded; the KJV's
   * paragraph sign ¶ is removed; whitespace runs become one space.
   */
  static String plainText(String osis, String where) throws IOException {
    String s = DROPPED.matcher(osis).replaceAll(" ");
    s = TAG.matcher(s).replaceAll("");
    if (s.indexOf('<') >= 0 || s.indexOf('>') >= 0) {
      throw new IOException(where + ": unbalanced markup in '" + osis + "'");
    }
    Matcher m = ENTITY.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String e = m.group(1);
      String rep =
          switch (e) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            default -> {
              if (!e.startsWith("#")) {
                throw new IOException(where + ": unknown entity &" + e + ";");
              }
              int cp =
                  e.startsWith("#x")
                      ? Integer.parseInt(e.substring(2), 16)
                      : Integer.parseInt(e.substring(1));
              yield new String(Character.toChars(cp));
            }
          };
      m.appendReplacement(sb, Matcher.quoteReplacement(rep));
    }
    m.appendTail(sb);
    return sb.toString().replace("\u00b6", " ").replaceAll("\\s+", " ").strip();
  }
}
