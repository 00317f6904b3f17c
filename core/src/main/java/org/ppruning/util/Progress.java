package org.ppruning.util;

import java.io.PrintStream;

/** A progress line on stderr for long work: count, rate and time left, at most once a second. */
public final class Progress {
  private final PrintStream out;
  private final String what;
  private final long total;
  private final String unit;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint;

  public Progress(PrintStream out, String what, long total, String unit) {
    this.out = out;
    this.what = what;
    this.total = total;
    this.unit = unit;
  }

  public void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (now - lastPrint > 1_000_000_000L || done == total) {
      lastPrint = now;
      double secs = (now - start) / 1e9;
      double rate = done / Math.max(secs, 1e-9);
      out.printf(
          "%s: %d/%d %s, %.1f %s/s, %.0f s left%n",
          what, done, total, unit, rate, unit, (total - done) / Math.max(rate, 1e-9));
    }
  }

  public void done() {
    out.printf("%s: %d %s in %.1f s%n", what, done, unit, (System.nanoTime() - start) / 1e9);
  }
}
