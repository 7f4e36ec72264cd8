package org.npffn.eval;

import java.io.PrintWriter;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.eval.data.CorpusException;
import org.npffn.eval.train.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The np-eval command line: compare, report, train, generate, bench. */
@Command(name = "np-eval", mixinStandardHelpOptions = true, version = "np-eval 0.1.0",
    description = "Trains and benchmarks transformer FFN kinds (dense, MoE, Neural-Process) on real text.",
    subcommands = {CompareCommand.class, ReportCommand.class, TrainCommand.class, GenerateCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class NpEval {

  public static void main(String[] args) {
    useAllCoresForBlas();
    System.exit(run(args));
  }

  /**
   * The launcher starts the JVM with OMP_NUM_THREADS=1, which keeps libnd4j's elementwise ops on one thread:
   * on these 2-core machines its thread hand-offs cost more than they save for the [N, C] arrays of a
   * transformer (a training step of the default preset takes about half the time, measured). BLAS is
   * then given every core again, because a gemm does scale. -Dnpffn.blasThreads=n overrides it.
   */
  private static void useAllCoresForBlas() {
    int threads = Integer.getInteger("npffn.blasThreads", Runtime.getRuntime().availableProcessors());
    Nd4j.factory().blas().setMaxThreads(threads);
  }

  /**
   * Runs the CLI and returns its exit code: 0 success, 1 failure, 2 bad input or usage, 3 when a compare run
   * diverged (results are still written).
   */
  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  /** Same, with errors written to {@code err}. */
  public static int run(PrintWriter err, String... args) {
    return run(err, CommandLine.defaultFactory(), args);
  }

  /** Same, with commands made by {@code factory} (tests use it to give compare a step hook). */
  static int run(PrintWriter err, CommandLine.IFactory factory, String... args) {
    CommandLine cli = new CommandLine(new NpEval(), factory).setErr(err);
    for (String name : new String[] {"compare", "train"}) {
      HelpDefaults.describe(cli.getSubcommands().get(name).getCommandSpec());
    }
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CorpusException || e instanceof CheckpointException || e instanceof IllegalArgumentException) {
        cmd.getErr().println("np-eval: error: " + e.getMessage());
        return 2;
      }
      cmd.getErr().println("np-eval: failed: " + e);
      return 1;
    });
    return cli.execute(args);
  }
}
