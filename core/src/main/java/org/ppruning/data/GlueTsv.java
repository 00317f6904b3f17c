package org.ppruning.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads GLUE's TSV files ({@link GlueTask} has each task's columns) into {@link Sample}s.
 *
 * <p>Lines are split on every tab with no quote handling (GLUE's sentences contain quotes; the
 * files have none around fields). Every line must have exactly the task's number of columns, the
 * header (when the file has one) must be GLUE's, texts must not be blank, labels must be one of the
 * task's labels (STS-B: a number from 0 to 5) and ids must be unique. Anything else stops the read
 * with an error naming the file, the line, the column and what was found; nothing is skipped. A
 * UTF-8 byte-order mark before the first line is ignored (GLUE's MRPC files have one).
 *
 * <p>Sample ids are the file's stem and the file's index/id column ({@code dev-17}), or the 0-based
 * data row where the file has no such column (CoLA, SST-2 and MRPC train/dev). Test samples have no
 * label.
 */
public final class GlueTsv {
  private GlueTsv() {}

  /**
   * Reads a GLUE file, its layout chosen by the file name: {@code train.tsv} and {@code dev*.tsv}
   * are labelled, {@code test*.tsv} are not.
   */
  public static List<Sample> read(GlueTask task, Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.startsWith("test")) {
      return read(task, file, task.test());
    }
    if (name.startsWith("train") || name.startsWith("dev")) {
      return read(task, file, task.labelled(name));
    }
    throw new IllegalArgumentException(
        file + ": expected a GLUE file named train.tsv, dev*.tsv " + "or test*.tsv");
  }

  private static List<Sample> read(GlueTask task, Path file, GlueTask.Layout layout)
      throws IOException {
    String stem = file.getFileName().toString().replaceFirst("\\.tsv$", "");
    List<Sample> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int lineNo = 0;
    try (Utf8Lines r = new Utf8Lines(file)) {
      int row = 0;
      for (String line; (line = r.next()) != null; ) {
        lineNo = r.number();
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        String where = file + " line " + lineNo;
        String[] f = line.split("\t", -1);
        if (f.length != layout.columns()) {
          // Name the first column that is missing or one too many.
          int c = Math.min(f.length, layout.columns());
          String which =
              f.length < layout.columns()
                  ? " column " + (c + 1) + " (" + layout.columnName(c) + "): missing"
                  : " column " + (c + 1) + ": unexpected";
          throw new IllegalArgumentException(
              where
                  + which
                  + "; expected "
                  + layout.columns()
                  + " tab-separated columns for "
                  + task.glueName()
                  + ", got "
                  + f.length);
        }
        if (lineNo == 1 && layout.header() != null) {
          for (int c = 0; c < f.length; c++) {
            if (!f[c].equals(layout.header().get(c))) {
              throw new IllegalArgumentException(
                  where
                      + " column "
                      + (c + 1)
                      + ": expected GLUE's "
                      + task.glueName()
                      + " header "
                      + layout.header()
                      + ", got "
                      + Arrays.asList(f));
            }
          }
          continue;
        }
        String text = field(f, layout.text(), layout, where);
        String pair = layout.pair() >= 0 ? field(f, layout.pair(), layout, where) : null;
        String label = layout.label() >= 0 ? label(task, f, layout, where) : null;
        String id = stem + "-" + (layout.id() >= 0 ? field(f, layout.id(), layout, where) : row);
        if (!ids.add(id)) {
          throw new IllegalArgumentException(
              where
                  + " column "
                  + (layout.id() + 1)
                  + " ("
                  + layout.columnName(layout.id())
                  + "): duplicate id '"
                  + id
                  + "'");
        }
        out.add(new Sample(id, text, pair, label));
        row++;
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no samples");
    }
    return out;
  }

  private static String field(String[] f, int c, GlueTask.Layout layout, String where) {
    if (f[c].isBlank()) {
      throw new IllegalArgumentException(
          where + " column " + (c + 1) + " (" + layout.columnName(c) + "): empty");
    }
    return f[c];
  }

  private static String label(GlueTask task, String[] f, GlueTask.Layout layout, String where) {
    String v = field(f, layout.label(), layout, where);
    String col =
        where
            + " column "
            + (layout.label() + 1)
            + " ("
            + layout.columnName(layout.label())
            + "): ";
    if (task.task().kind() == TaskKind.REGRESSION) {
      double d;
      try {
        d = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            col + "expected a score from 0 to 5 for " + task.glueName() + ", got '" + v + "'");
      }
      if (!(d >= 0 && d <= 5)) {
        throw new IllegalArgumentException(
            col + "expected a score from 0 to 5 for " + task.glueName() + ", got " + v);
      }
      return v;
    }
    if (!task.task().labels().contains(v)) {
      throw new IllegalArgumentException(
          col
              + "expected one of "
              + String.join(", ", task.task().labels())
              + " for "
              + task.glueName()
              + ", got '"
              + v
              + "'");
    }
    return v;
  }
}
