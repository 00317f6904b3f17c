package org.ppruning.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.ppruning.fetch.ArtifactCache;

/**
 * Grammatical and ungrammatical English sentences: the example sentences of LanguageTool's English
 * rules ({@code org.languagetool:language-en:6.5}, files {@code
 * org/languagetool/rules/en/grammar.xml} and {@code style.xml} in the jar; LGPL-2.1). It stands in
 * for CoLA (acceptability judgements, reported with Matthews correlation); it is not CoLA: the
 * sentences were written by rule authors to show one error each, many are short fragments, and
 * "style" rules flag wordiness and register as well as grammar. Labels follow CoLA: {@code 1}
 * acceptable, {@code 0} unacceptable.
 *
 * <p>What is read, exactly:
 *
 * <ul>
 *   <li>Only {@code <example>} elements directly inside a {@code <rule>}. Examples inside an {@code
 *       <antipattern>} (1,356, snippets that show where a rule must not fire) are skipped.
 *   <li>An example with a {@code correction} attribute (even an empty one) is unacceptable ({@code
 *       0}); an example with neither {@code correction} nor {@code type} is acceptable ({@code 1}).
 *       Examples with {@code type="triggers_error"} (199, known false alarms of a rule) are
 *       skipped. Any other {@code type} is an error.
 *   <li>The text keeps the words inside {@code <marker>} and drops the tag; XML entities are
 *       expanded; runs of ASCII whitespace (space, tab, line breaks) become one space; the ends are
 *       trimmed (a no-break space is kept as a character).
 *   <li>Duplicates: a text that occurs more than once with one label is kept once (first
 *       occurrence; 915 repeats in 6.5). A text that occurs both as acceptable and as unacceptable
 *       (53 in 6.5: a sentence one rule accepts and another flags) is dropped.
 * </ul>
 *
 * <p>Sample ids are {@code lt-} plus the first 12 hex digits of the SHA-256 of the text, so a
 * sentence keeps its id (and its {@link Split}) across LanguageTool versions. The counts of version
 * 6.5 are pinned in {@link #EXPECTED}; they are checked on every load.
 */
public final class GrammarDataset {
  public static final String MAVEN = "org.languagetool:language-en:6.5";
  public static final long JAR_SIZE = 2_848_637L;
  public static final String JAR_SHA256 =
      "06d60245247b8574abfef2b01c67136ecb0482e8265c2e1e44eed3185cafcf35";
  static final List<String> FILES =
      List.of("org/languagetool/rules/en/grammar.xml", "org/languagetool/rules/en/style.xml");

  /**
   * What {@link #read} found: examples by kind as they occur in the files, what was skipped, and
   * the samples kept ({@code acceptable + unacceptable}).
   */
  public record Counts(
      int acceptableExamples,
      int unacceptableExamples,
      int triggersError,
      int antipatternExamples,
      int duplicates,
      int conflictingTexts,
      int acceptable,
      int unacceptable) {}

  /** The counts of language-en 6.5. */
  public static final Counts EXPECTED =
      new Counts(13_038, 9_847, 199, 1_356, 915, 53, 12_229, 9_631);

  /** The samples with the counts of what was skipped. */
  public record Loaded(List<Sample> samples, Counts counts) {}

  private GrammarDataset() {}

  /** All samples in file order (grammar.xml, then style.xml), checked against {@link #EXPECTED}. */
  public static Loaded load(ArtifactCache cache, PrintStream progress) throws IOException {
    Path jar = cache.maven(MAVEN, JAR_SIZE, JAR_SHA256, progress);
    Loaded l = read(jar);
    if (!l.counts().equals(EXPECTED)) {
      throw new IOException(jar + ": expected " + EXPECTED + " but read " + l.counts());
    }
    return l;
  }

  /**
   * Train/dev/test by {@link Split#of} the sample id: 17,540 / 2,191 / 2,129 sentences (acceptable
   * 9,852 / 1,214 / 1,163).
   */
  public static SplitData<Sample> splits(ArtifactCache cache, PrintStream progress)
      throws IOException {
    return SplitData.byKey(load(cache, progress).samples(), Sample::id);
  }

  /** Reads the rule examples of {@link #FILES} from a LanguageTool language jar. */
  public static Loaded read(Path jar) throws IOException {
    Map<String, String> labelOf = new LinkedHashMap<>();
    Map<String, Boolean> conflicting = new LinkedHashMap<>();
    int[] c = new int[5]; // acceptable, unacceptable, triggers, antipattern, duplicates
    try (ZipFile zf = new ZipFile(jar.toFile())) {
      for (String name : FILES) {
        ZipEntry e = zf.getEntry(name);
        if (e == null) {
          throw new IOException(jar + " has no entry " + name);
        }
        try (InputStream in = zf.getInputStream(e)) {
          readRules(in, jar + "!/" + name, labelOf, conflicting, c);
        }
      }
    }
    List<Sample> out = new ArrayList<>();
    Map<String, String> textOfId = new java.util.HashMap<>();
    int acceptable = 0;
    for (Map.Entry<String, String> en : labelOf.entrySet()) {
      if (conflicting.containsKey(en.getKey())) {
        continue;
      }
      String id = id(en.getKey());
      String other = textOfId.putIfAbsent(id, en.getKey());
      if (other != null) {
        throw new IOException(
            jar
                + ": two example texts share the id "
                + id
                + ": '"
                + other
                + "' and '"
                + en.getKey()
                + "'");
      }
      out.add(new Sample(id, en.getKey(), null, en.getValue()));
      acceptable += en.getValue().equals("1") ? 1 : 0;
    }
    Counts counts =
        new Counts(
            c[0], c[1], c[2], c[3], c[4], conflicting.size(), acceptable, out.size() - acceptable);
    return new Loaded(out, counts);
  }

  private static void readRules(
      InputStream in,
      String where,
      Map<String, String> labelOf,
      Map<String, Boolean> conflicting,
      int[] c)
      throws IOException {
    XMLInputFactory f = XMLInputFactory.newFactory();
    // The rule files declare their entities in an internal DTD subset; nothing external is read.
    f.setProperty(XMLInputFactory.SUPPORT_DTD, true);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    Deque<String> stack = new ArrayDeque<>();
    XMLStreamReader r = null;
    try {
      r = f.createXMLStreamReader(in, StandardCharsets.UTF_8.name());
      while (r.hasNext()) {
        int ev = r.next();
        if (ev == XMLStreamConstants.START_ELEMENT) {
          String tag = r.getLocalName();
          if (tag.equals("example")) {
            String parent = stack.peek();
            int line = r.getLocation().getLineNumber();
            String correction = r.getAttributeValue(null, "correction");
            String type = r.getAttributeValue(null, "type");
            String text = exampleText(r, where);
            if (!"rule".equals(parent)) {
              c[3]++;
              continue;
            }
            String label;
            if (correction != null) {
              label = "0";
              c[1]++;
            } else if (type == null) {
              label = "1";
              c[0]++;
            } else if (type.equals("triggers_error")) {
              c[2]++;
              continue;
            } else {
              throw new IOException(
                  where
                      + " line "
                      + line
                      + ": <example type=\""
                      + type
                      + "\"> is not a type this reader knows (only triggers_error)");
            }
            if (text.isEmpty()) {
              throw new IOException(where + " line " + line + ": empty <example>");
            }
            String prev = labelOf.putIfAbsent(text, label);
            if (prev != null) {
              if (prev.equals(label)) {
                c[4]++;
              } else {
                conflicting.put(text, Boolean.TRUE);
              }
            }
            continue; // exampleText consumed the end tag
          }
          stack.push(tag);
        } else if (ev == XMLStreamConstants.END_ELEMENT) {
          stack.pop();
        }
      }
    } catch (XMLStreamException e) {
      javax.xml.stream.Location loc = e.getLocation();
      throw new IOException(
          where
              + (loc == null
                  ? ""
                  : " line " + loc.getLineNumber() + " column " + loc.getColumnNumber())
              + ": "
              + e.getMessage(),
          e);
    } finally {
      if (r != null) {
        try {
          r.close();
        } catch (XMLStreamException ignored) {
          // the stream is closed by the caller
        }
      }
    }
  }

  /** The example's text with {@code <marker>} tags dropped; leaves the reader at its end tag. */
  private static String exampleText(XMLStreamReader r, String where)
      throws XMLStreamException, IOException {
    StringBuilder sb = new StringBuilder();
    int depth = 1;
    while (depth > 0) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
            sb.append(r.getText());
        case XMLStreamConstants.START_ELEMENT -> {
          if (!r.getLocalName().equals("marker")) {
            throw new IOException(
                where
                    + " line "
                    + r.getLocation().getLineNumber()
                    + ": unexpected <"
                    + r.getLocalName()
                    + "> inside <example>");
          }
          depth++;
        }
        case XMLStreamConstants.END_ELEMENT -> depth--;
        default -> {}
      }
    }
    return sb.toString().replaceAll("\\s+", " ").strip();
  }

  /** {@code lt-} + the first 12 hex digits of the SHA-256 of the text. */
  static String id(String text) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "lt-" + HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
