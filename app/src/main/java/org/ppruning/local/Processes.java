package org.ppruning.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Finding and stopping processes by pid, only after checking their command line: a pid from a pid
 * file may have died and been reused by an unrelated process.
 */
public final class Processes {
  private static final Path PROC = Path.of("/proc");

  private Processes() {}

  /** The argument vector of a live (not zombie) process, or empty if it does not run. */
  public static Optional<List<String>> commandLine(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return Optional.empty();
    }
    Path proc = PROC.resolve(Long.toString(pid));
    if (Files.isDirectory(PROC.resolve("self"))) {
      try {
        // A zombie (exited, not yet reaped by its parent) still has a pid but no longer runs.
        String stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
        String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state.equals("Z") || state.equals("X")) {
          return Optional.empty();
        }
        byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
        String s = new String(raw, StandardCharsets.UTF_8);
        if (s.endsWith("\0")) {
          s = s.substring(0, s.length() - 1);
        }
        return Optional.of(s.isEmpty() ? List.of() : Arrays.asList(s.split("\0", -1)));
      } catch (IOException | RuntimeException e) {
        return Optional.empty(); // exited between the checks
      }
    }
    // No /proc (not Linux): the JDK's view, which may be truncated but never invents arguments.
    ProcessHandle.Info info = h.get().info();
    List<String> args = new ArrayList<>();
    info.command().ifPresent(args::add);
    info.arguments().ifPresent(a -> args.addAll(Arrays.asList(a)));
    return Optional.of(args);
  }

  /** True if the process runs and its argument vector holds every one of {@code markers}. */
  public static boolean runsWith(long pid, List<String> markers) {
    return commandLine(pid).map(args -> args.containsAll(markers)).orElse(false);
  }

  /** How {@link #stop} ended. */
  public enum Stopped {
    /** The process was not running (or no longer carried the markers): nothing was signalled. */
    NOT_RUNNING,
    /** It exited after SIGTERM within the grace period. */
    TERMINATED,
    /** It was still running after the grace period and was killed with SIGKILL. */
    KILLED
  }

  /**
   * Stops a process, but only if it runs with all {@code markers}: SIGTERM, then SIGKILL after
   * {@code grace}. Returns once it is gone; throws if it survives SIGKILL for 10 s.
   */
  public static Stopped stop(long pid, List<String> markers, Duration grace) {
    if (!runsWith(pid, markers)) {
      return Stopped.NOT_RUNNING;
    }
    ProcessHandle h = ProcessHandle.of(pid).orElse(null);
    if (h == null) {
      return Stopped.NOT_RUNNING;
    }
    h.destroy(); // SIGTERM
    if (waitGone(pid, grace)) {
      return Stopped.TERMINATED;
    }
    if (runsWith(pid, markers)) {
      h.destroyForcibly(); // SIGKILL
    }
    if (!waitGone(pid, Duration.ofSeconds(10))) {
      throw new IllegalStateException("pid " + pid + " is still running 10 s after SIGKILL");
    }
    return Stopped.KILLED;
  }

  /** Waits until the pid no longer runs (exited, or a zombie); false on timeout. */
  static boolean waitGone(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (commandLine(pid).isPresent()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for pid " + pid + " to exit", e);
      }
    }
    return true;
  }

  /** Pids of all running processes whose argument vector holds {@code marker} (Linux only). */
  public static List<Long> withArgument(String marker) {
    List<Long> out = new ArrayList<>();
    ProcessHandle.allProcesses()
        .forEach(
            h -> {
              if (h.pid() != ProcessHandle.current().pid()
                  && commandLine(h.pid()).map(a -> a.contains(marker)).orElse(false)) {
                out.add(h.pid());
              }
            });
    return out;
  }
}
