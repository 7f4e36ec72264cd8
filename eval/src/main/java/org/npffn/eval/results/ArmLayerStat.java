package org.npffn.eval.results;

import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;

/**
 * A per-layer statistic reduced to one number per arm, as the summary tables show it: within each ok run of
 * the arm, the worst (highest) or the mean value over the layers of one kind; then the mean over those runs.
 * Layers of other kinds never count, so an NP layer's soft usage never lands in an MoE column.
 */
public final class ArmLayerStat {
  private ArmLayerStat() {}

  /** Mean over the arm's ok runs of the highest value over its layers of {@code kind}; NaN when there is none. */
  public static double worstLayer(List<RunResult> runs, String arm, String kind, ToDoubleFunction<LayerResult> metric) {
    return overRuns(runs, arm, kind, metric, true);
  }

  /** Mean over the arm's ok runs of the mean over its layers of {@code kind} (null: every kind); NaN when none. */
  public static double meanOverLayers(List<RunResult> runs, String arm, String kind,
      ToDoubleFunction<LayerResult> metric) {
    return overRuns(runs, arm, kind, metric, false);
  }

  private static double overRuns(List<RunResult> runs, String arm, String kind, ToDoubleFunction<LayerResult> metric,
      boolean worst) {
    OptionalDouble v = runs.stream().filter(r -> r.ok() && r.arm().equals(arm)).mapToDouble(r -> {
      DoubleStream layers = r.layers().stream().filter(l -> kind == null || kind.equals(l.kind())).mapToDouble(metric)
          .filter(Double::isFinite);
      return (worst ? layers.max() : layers.average()).orElse(Double.NaN);
    }).filter(Double::isFinite).average();
    return v.orElse(Double.NaN);
  }
}
