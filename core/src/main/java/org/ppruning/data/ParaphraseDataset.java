package org.ppruning.data;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ppruning.fetch.ArtifactCache;

/**
 * Verse-aligned English Bible translations as sentence pairs: the King James Version (1769 text,
 * Debian {@code sword-text-kjv 14.3-1}, SWORD module {@code engKJV2006eb}) against the World
 * English Bible (2020 stable text, Debian {@code sword-text-web 426.0-1}, module {@code
 * engWEB2015eb}); both public domain. It stands in for MRPC / QQP (is the second text a paraphrase
 * of the first?); it is not: the positives are two translations of one verse, archaic against
 * modern English, and the texts are Bible verses rather than news or questions. Labels follow MRPC:
 * {@code 1} equivalent, {@code 0} not.
 *
 * <p>How it is built:
 *
 * <ul>
 *   <li>The modules are read with {@link SwordZText} (KJV in the KJV versification, WEB in NRSVA)
 *       and each verse's markup up to the end of its book ({@link #beforeBookEnd}) becomes plain
 *       text ({@link SwordZText#plainText}).
 *   <li>Every verse of the 66 books that both modules hold with text is one positive pair (id
 *       {@code Gen.1.1}; text KJV, pair WEB). Skipped and counted in {@link Counts}: verses empty
 *       in either module (the WEB merges a few verses into the one before) and linked verses.
 *   <li>Splits are by chapter: {@link Split#of} the chapter id ({@code Gen.1}), so no verse's text
 *       appears in two splits.
 *   <li>Negatives, one per positive: the KJV verse with the WEB text of another verse of the same
 *       chapter (id {@code Gen.1.1~Gen.1.7}), so negatives share topic and names with their
 *       positives. The partner comes from a random cyclic permutation of the chapter's verses
 *       (Sattolo's algorithm, so no verse is paired with itself) drawn with a {@link Random} seeded
 *       by the first 8 bytes of the SHA-256 of {@code "paraphrase:" + chapter id}: the same pairs
 *       on every machine, and a chapter's pairs do not depend on other chapters. A chapter with a
 *       single usable verse has no partner and is skipped (counted).
 * </ul>
 */
public final class ParaphraseDataset {
  public static final String KJV_DEB = "sword-text-kjv=14.3-1";
  public static final long KJV_SIZE = 2_800_476L;
  public static final String KJV_SHA256 =
      "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57";
  public static final String WEB_DEB = "sword-text-web=426.0-1";
  public static final long WEB_SIZE = 3_956_428L;
  public static final String WEB_SHA256 =
      "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1";

  /**
   * What {@link #load} built and skipped.
   *
   * @param verses verses of the 66 books in the KJV versification
   * @param emptyKjv verses without text in the KJV module
   * @param emptyWeb verses without text in the WEB module
   * @param linked verses stored as part of a range in either module
   * @param singleVerseChapters chapters left with one usable verse (no negative possible)
   * @param positives positive pairs (= negatives)
   */
  public record Counts(
      int verses, int emptyKjv, int emptyWeb, int linked, int singleVerseChapters, int positives) {}

  /** The counts of the pinned packages, checked on every load. */
  public static final Counts EXPECTED = new Counts(31_102, 0, 7, 0, 0, 31_095);

  /** Samples and counts. */
  public record Loaded(SplitData<Sample> splits, Counts counts) {}

  private ParaphraseDataset() {}

  /**
   * Train/dev/test pairs (by chapter), checked against {@link #EXPECTED}: 31,095 positives and as
   * many negatives; 49,876 / 5,886 / 6,428 pairs, exactly half positive in each split.
   */
  public static SplitData<Sample> load(ArtifactCache cache, PrintStream progress)
      throws IOException {
    Path kjv = cache.unpackDeb(cache.debian(KJV_DEB, KJV_SIZE, KJV_SHA256, progress), progress);
    Path web = cache.unpackDeb(cache.debian(WEB_DEB, WEB_SIZE, WEB_SHA256, progress), progress);
    Loaded l =
        read(
            kjv.resolve("usr/share/sword"),
            "engKJV2006eb",
            web.resolve("usr/share/sword"),
            "engWEB2015eb");
    if (!l.counts().equals(EXPECTED)) {
      throw new IOException("KJV/WEB pairs: expected " + EXPECTED + " but built " + l.counts());
    }
    return l.splits();
  }

  /** Builds the pairs from two SWORD roots (folders with {@code mods.d/} and {@code modules/}). */
  static Loaded read(Path kjvRoot, String kjvModule, Path webRoot, String webModule)
      throws IOException {
    Map<Versification.Ref, SwordZText.Entry> kjv =
        SwordZText.read(
            kjvRoot, kjvRoot.resolve("mods.d/" + kjvModule + ".conf"), Versification.KJV);
    Map<Versification.Ref, SwordZText.Entry> web =
        SwordZText.read(
            webRoot, webRoot.resolve("mods.d/" + webModule + ".conf"), Versification.NRSVA);
    int emptyKjv = 0;
    int emptyWeb = 0;
    int linked = 0;
    Map<String, List<String[]>> chapters = new LinkedHashMap<>(); // chapter -> [ref, kjv, web]
    for (Map.Entry<Versification.Ref, SwordZText.Entry> e : kjv.entrySet()) {
      Versification.Ref ref = e.getKey();
      SwordZText.Entry w = web.get(ref);
      if (w == null) {
        throw new IllegalStateException(ref + " is in KJV but not in the NRSVA table");
      }
      String k = SwordZText.plainText(beforeBookEnd(e.getValue().osis()), kjvModule + " " + ref);
      String t = SwordZText.plainText(beforeBookEnd(w.osis()), webModule + " " + ref);
      if (e.getValue().linked() || w.linked()) {
        linked++;
      } else if (k.isEmpty()) {
        emptyKjv++;
      } else if (t.isEmpty()) {
        emptyWeb++;
      } else {
        chapters
            .computeIfAbsent(ref.chapterId(), c -> new ArrayList<>())
            .add(new String[] {ref.toString(), k, t});
      }
    }
    Map<Split, List<Sample>> parts = new LinkedHashMap<>();
    for (Split s : Split.values()) {
      parts.put(s, new ArrayList<>());
    }
    int single = 0;
    int positives = 0;
    for (Map.Entry<String, List<String[]>> ch : chapters.entrySet()) {
      List<String[]> v = ch.getValue();
      if (v.size() < 2) {
        single++;
        continue;
      }
      int[] partner = sattolo(v.size(), new Random(seed("paraphrase:" + ch.getKey())));
      List<Sample> out = parts.get(Split.of(ch.getKey()));
      for (int i = 0; i < v.size(); i++) {
        String[] a = v.get(i);
        String[] b = v.get(partner[i]);
        out.add(new Sample(a[0], a[1], a[2], "1"));
        out.add(new Sample(a[0] + "~" + b[0], a[1], b[2], "0"));
        positives++;
      }
    }
    return new Loaded(
        new SplitData<>(parts.get(Split.TRAIN), parts.get(Split.DEV), parts.get(Split.TEST)),
        new Counts(kjv.size(), emptyKjv, emptyWeb, linked, single, positives));
  }

  /**
   * A verse's OSIS up to the closing marker of its book ({@code <div eID=".." type="book"/>}), if
   * any: what follows the end of a book is no verse's text. The WEB module stores its whole
   * glossary (17,000 characters) in the entry of the Bible's last verse, Rev.22.21, behind the
   * closing marker of Revelation.
   */
  static String beforeBookEnd(String osis) {
    Matcher m = BOOK_END.matcher(osis);
    return m.find() ? osis.substring(0, m.start()) : osis;
  }

  private static final Pattern BOOK_END =
      Pattern.compile("<div\\b(?=[^>]*\\beID=)(?=[^>]*\\btype=\"book\")[^>]*/>");

  /** A uniformly random cyclic permutation of 0..n-1 (no fixed points for n >= 2). */
  static int[] sattolo(int n, Random rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  private static long seed(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
