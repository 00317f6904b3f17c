package org.ppruning.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/ppruning}: the one command-line entry point. */
@Command(
    name = "ppruning",
    mixinStandardHelpOptions = true,
    version = "ppruning 0.1.0",
    description = "Prune pre-trained transformers before fine-tuning (P-pruning).",
    subcommands = {
      ModelsCommand.class,
      ImportCommand.class,
      InfoCommand.class,
      VerifyCommand.class,
      PruneCommand.class,
      FinetuneCommand.class,
      EvalCommand.class,
      UpCommand.class,
      DownCommand.class,
      StatusCommand.class,
      PretrainCommand.class,
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
            cmd.getErr().println("ppruning " + cmd.getCommandName() + ": " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    return cl.execute(args);
  }
}
