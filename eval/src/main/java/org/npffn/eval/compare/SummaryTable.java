package org.npffn.eval.compare;

import java.io.PrintStream;
import java.util.function.ToDoubleFunction;
import org.npffn.eval.results.ArmLayerStat;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.ArmSummary;
import org.npffn.eval.results.Decimals;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.LayerResult;

/**
 * The table that ends a compare on the terminal: one row per arm. What was not measured (an arm whose runs all
 * diverged, a dense arm's MaxVio) prints as "-". The MoE's MaxVio (hard load) and the NP's soft usage (mean
 * gate weight per group) have a column each, so neither reads as the other.
 */
public final class SummaryTable {
  private SummaryTable() {}

  public static void print(CompareResults results, PrintStream out) {
    out.printf("%n%-13s %7s %18s %18s %8s %11s %11s %13s %8s %8s %8s %8s %8s%n", "arm", "runs", "val ppl",
        "test ppl", "test bpb", "params", "active", "FFN FLOP/tok", "tok/s", "MaxVio", "sparsity", "soft use",
        "cos sim");
    for (ArmSummary a : results.summary()) {
      out.printf("%-13s %7s %18s %18s %8s %11s %11s %13s %8s %8s %8s %8s %8s%n", a.arm(),
          a.failed() == 0 ? String.valueOf(a.runs()) : (a.runs() - a.failed()) + "/" + a.runs() + "!",
          interval(a.validationPerplexity(), "%.3f"), interval(a.testPerplexity(), "%.3f"),
          Decimals.fixed(a.testBitsPerByte().mean(), 4), Decimals.format("%,.0f", a.parameters()),
          Decimals.format("%,.0f", a.activeParameters()), Decimals.format("%,.0f", a.ffnFlopsPerToken()),
          Decimals.format("%.0f", a.tokensPerSecond().mean()),
          worst(results, a.arm(), LayerResult.MOE, l -> l.test() == null ? Double.NaN : l.test().maxVioGlobal()),
          Decimals.fixed(ArmLayerStat.meanOverLayers(results.runs(), a.arm(), LayerResult.MOE,
              l -> l.test() == null ? Double.NaN : l.test().scalars().getOrDefault("relu_sparsity", Double.NaN)), 3),
          worst(results, a.arm(), LayerResult.NP, l -> l.test() == null ? Double.NaN : l.test().softUsageExcess()),
          Decimals.fixed(ArmLayerStat.meanOverLayers(results.runs(), a.arm(), null,
              l -> l.similarity() == null ? Double.NaN : l.similarity()), 3));
    }
    boolean intervals = results.summary().stream().anyMatch(a -> a.testPerplexity().n() >= Interval.MIN_SEEDS);
    out.println((intervals ? "(mean ± half-width of the 95% interval over the ok seeds; "
        : "(fewer than " + Interval.MIN_SEEDS + " ok seeds: single runs, no intervals; ")
        + "runs k/n!: k of n ok; MaxVio: MoE hard load, global over the test set, worst layer; sparsity: ReLU-routed "
        + "MoE, fraction of zero gates over the test set (target 1 - k/E), mean over layers; soft use: NP mean "
        + "gate weight per group, max/mean - 1, worst layer (not a load); cos sim: mean over layers)");
    results.answer().forEach(p -> out.println(p.sentence()));
  }

  private static String worst(CompareResults results, String arm, String kind, ToDoubleFunction<LayerResult> metric) {
    return Decimals.fixed(ArmLayerStat.worstLayer(results.runs(), arm, kind, metric), 3);
  }

  private static String interval(Interval i, String format) {
    if (i.n() == 0) {
      return Decimals.MISSING;
    }
    String mean = Decimals.format(format, i.mean());
    return Double.isNaN(i.low()) ? mean : mean + " ± " + Decimals.format(format, (i.high() - i.low()) / 2);
  }
}
