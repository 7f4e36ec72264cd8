package org.npffn.eval;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.npffn.eval.bench.BenchCase;
import org.npffn.eval.bench.BenchRunner;
import org.npffn.eval.bench.BenchSuite;
import org.npffn.eval.bench.BenchTargets;
import org.npffn.eval.bench.ProfiledCase;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.stack.layers.CoreParallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code np-eval bench}: times every layer benchmark against the machine's gemm speed, in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark the layers (forward+backward) against float32 gemm measured in the same run; "
        + "exit 1 if a case's result is not within tolerance of its double-precision reference.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--json", description = "write the results as JSON to this file (default: none, printed only)")
  Path json;

  @Option(names = "--cases", defaultValue = ".*", description = "regex of case names to run (default: all)")
  String cases;

  @Option(names = "--warmup", defaultValue = "5", description = "untimed runs per case (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--warmup-seconds", defaultValue = "5",
      description = "and untimed running per case of at least this long, so the JIT's work is done "
          + "(default: ${DEFAULT-VALUE})")
  double warmupSeconds;

  @Option(names = "--warmup-rounds", defaultValue = "5",
      description = "then untimed rounds of all cases interleaved, as the timed rounds run them, so the JIT has "
          + "settled on the mix (default: ${DEFAULT-VALUE})")
  int warmupRounds;

  @Option(names = "--repeats", defaultValue = "20", description = "timed runs per case (default: ${DEFAULT-VALUE})")
  int repeats;

  @Option(names = "--profile", description = "after the timed rounds, time every layer of each block and "
      + "train-step case selected, forward and backward, and print where its step goes (default: off)")
  boolean profile;

  @Override
  public Integer call() throws Exception {
    if (warmup < 0 || warmupRounds < 0 || repeats < 1) {
      throw new IllegalArgumentException("--warmup = " + warmup + " and --warmup-rounds = " + warmupRounds
          + " must be >= 0 and --repeats = " + repeats + " >= 1");
    }
    if (!(warmupSeconds >= 0) || Double.isInfinite(warmupSeconds)) {
      throw new IllegalArgumentException("--warmup-seconds = " + warmupSeconds + " must be finite and >= 0");
    }
    Pattern filter = Pattern.compile(cases);
    BenchRunner runner = new BenchRunner(warmup, warmupSeconds, warmupRounds, repeats, System.out);
    BenchRunner.Row gemm = runner.gemm();
    System.out.printf("%-22s %9s     %7.1f GFLOP/s (fastest run %.1f)   %s%n", "gemm", "", gemm.gflops(),
        gemm.fastestGflops(), gemm.shape());
    System.out.println(gemm.reference().line("gemm"));
    List<BenchCase> selected = new ArrayList<>();
    for (BenchCase c : BenchSuite.cases()) {
      if (filter.matcher(c.name()).matches()) {
        selected.add(c);
      }
    }
    System.out.printf("%d cases interleaved: at least %d warm-up runs and %.0f s each, %d untimed rounds, then %d "
        + "timed rounds; medians and fastest runs; %d worker(s) per layer (-Dnpffn.workers)%n", selected.size(),
        warmup, warmupSeconds, warmupRounds, repeats, CoreParallel.fromSystemProperty().workers());
    List<BenchRunner.Row> rows = runner.measure(selected);
    List<BenchTargets.Result> targets = BenchTargets.check(gemm, rows);
    if (!targets.isEmpty()) {
      System.out.println();
      System.out.println("targets (ratios within this run, decided on each case's fastest run; medians beside):");
      for (BenchTargets.Result t : targets) {
        System.out.println("  " + t);
      }
    }
    if (profile) {
      for (BenchCase c : selected) {
        if (c instanceof ProfiledCase step) {
          System.out.println();
          step.profile(repeats).print(c.name(), System.out);
        }
      }
    }
    if (json != null) {
      AtomicFiles.writeJson(json, BenchRunner.document(gemm, rows, targets, LocalDate.now().toString()));
      System.out.println("wrote " + json);
    }
    return exitCode(BenchRunner.failures(gemm, rows), System.err);
  }

  /** 0, or 1 after one line per case whose result failed its reference check: a fast wrong result fails. */
  static int exitCode(List<String> failures, PrintStream err) {
    for (String f : failures) {
      err.println("np-eval bench: FAILED " + f);
    }
    return failures.isEmpty() ? 0 : 1;
  }
}
