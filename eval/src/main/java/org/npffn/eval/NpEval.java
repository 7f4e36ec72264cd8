package org.npffn.eval;

import java.io.PrintWriter;
import org.npffn.eval.data.CorpusException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The np-eval command line: train, bench. */
@Command(name = "np-eval", mixinStandardHelpOptions = true, version = "np-eval 0.1.0",
    description = "Trains and benchmarks transformer FFN kinds (dense, MoE, Neural-Process) on real text.",
    subcommands = {TrainCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class NpEval {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code: 0 success, 1 failure, 2 bad input or usage. */
  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  /** Same, with errors written to {@code err}. */
  public static int run(PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new NpEval()).setErr(err);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CorpusException || e instanceof IllegalArgumentException) {
        cmd.getErr().println("np-eval: error: " + e.getMessage());
        return 2;
      }
      cmd.getErr().println("np-eval: failed: " + e);
      return 1;
    });
    return cli.execute(args);
  }
}
