package org.npffn.eval.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.ArmSummary;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.RunResult;

/** The table that ends a compare on the terminal: one row per arm. */
public final class SummaryTable {
  private SummaryTable() {}

  public static void print(CompareResults results, PrintStream out) {
    out.printf("%n%-13s %6s %18s %18s %8s %11s %11s %13s %8s %8s %8s%n", "arm", "runs", "val ppl", "test ppl",
        "test bpb", "params", "active", "FFN FLOP/tok", "tok/s", "MaxVio", "cos sim");
    for (ArmSummary a : results.summary()) {
      List<RunResult> ok = results.runs().stream().filter(r -> r.arm().equals(a.arm()) && r.ok()).toList();
      out.printf("%-13s %6s %18s %18s %8s %,11d %,11d %,13d %8.0f %8s %8s%n", a.arm(),
          a.failed() == 0 ? String.valueOf(a.runs()) : a.runs() + "/" + a.failed() + "!",
          interval(a.validationPerplexity(), "%.3f"), interval(a.testPerplexity(), "%.3f"),
          interval(a.testBitsPerByte(), "%.4f").split(" ")[0], a.parameters(), a.activeParameters(),
          a.ffnFlopsPerToken(), a.tokensPerSecond().mean(), layerMean(ok, LayerResult::maxVioGlobalOrNaN),
          layerMean(ok, l -> l.similarity() == null ? Double.NaN : l.similarity()));
    }
    boolean intervals = results.summary().stream().anyMatch(a -> a.testPerplexity().n() >= Interval.MIN_SEEDS);
    out.println(intervals ? "(mean ± half-width of the 95% interval over seeds; MaxVio: global over the test set, "
        + "worst layer; cos sim: mean over layers)"
        : "(fewer than " + Interval.MIN_SEEDS + " seeds: single runs, no intervals; MaxVio: global over the test set, "
            + "worst layer; cos sim: mean over layers)");
  }

  private static String interval(Interval i, String format) {
    if (i.n() == 0) {
      return "-";
    }
    String mean = String.format(format, i.mean());
    return Double.isNaN(i.low()) ? mean : mean + " ± " + String.format(format, (i.high() - i.low()) / 2);
  }

  /** Worst layer (MaxVio) or mean over layers (similarity), averaged over runs; "-" for dense arms. */
  private static String layerMean(List<RunResult> runs, ToDoubleFunction<LayerResult> metric) {
    OptionalDouble v = runs.stream().mapToDouble(r -> r.layers().stream().mapToDouble(metric)
        .filter(Double::isFinite).max().orElse(Double.NaN)).filter(Double::isFinite).average();
    return v.isPresent() ? String.format("%.3f", v.getAsDouble()) : "-";
  }
}
