package org.ppruning.cli;

import org.ppruning.demo.Demo;
import org.ppruning.tokenize.TooLongException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * {@code bin/ppruning}: the one command-line entry point. {@code --help} and {@code --version} are
 * inherited by every command, so {@code ppruning prune --help} prints prune's help and exits 0
 * before any required option is checked; the version comes from the build ({@link BuildVersion}).
 */
@Command(
    name = "ppruning",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = BuildVersion.class,
    description = "Prune pre-trained transformers before fine-tuning (P-pruning).",
    subcommands = {
      ModelsCommand.class,
      ImportCommand.class,
      InfoCommand.class,
      VerifyCommand.class,
      ExportCommand.class,
      PruneCommand.class,
      FinetuneCommand.class,
      EvalCommand.class,
      UpCommand.class,
      DownCommand.class,
      StatusCommand.class,
      PretrainCommand.class,
      Demo.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line; returns the exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          // Expected failures (bad input, missing files) get one clear line, not a stack trace.
          if (ex instanceof IllegalArgumentException
              || ex instanceof java.io.IOException
              || ex instanceof IllegalStateException) {
            cmd.getErr()
                .println(
                    "ppruning " + cmd.getCommandName() + ": " + ex.getMessage() + hint(ex, cmd));
            return 2;
          }
          throw ex;
        });
    return cl.execute(args);
  }

  /** The way out of a text longer than the length limit, for a command that has the option. */
  private static String hint(Exception ex, CommandLine cmd) {
    return TooLongException.in(ex)
        .filter(e -> cmd.getCommandSpec().findOption("--max-len") != null)
        .map(
            e ->
                "; --max-len "
                    + e.tokens()
                    + " or more accepts it (now "
                    + e.limit()
                    + "; at most the model's positions)")
        .orElse("");
  }
}
