package org.npffn.eval.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The speed targets the issues set, checked on the rows of one bench run. Each is a ratio within the run;
 * a target is checked only when every case it reads was run.
 */
public final class BenchTargets {
  private BenchTargets() {}

  /**
   * @param description what is compared, e.g. "moe/E=8 / dense-ffn"
   * @param issue the issue that sets it
   * @param atMost true: value ≤ bound is met; false: value ≥ bound is met
   * @param cases the cases it reads
   * @param value the value, from the gemm speed and the median ms of each case
   */
  public record Target(String description, String issue, double bound, boolean atMost, List<String> cases,
      ToDoubleFunction<Measured> value) {}

  /**
   * What a target reads: the run's gemm speed and each case's row, by its median time or, with
   * {@code fastest}, by its fastest run.
   */
  public record Measured(double gemmGflops, Map<String, BenchRunner.Row> rows, boolean fastest) {
    double ms(String name) {
      return fastest ? rows.get(name).minMs() : rows.get(name).medianMs();
    }

    double gflops(String name) {
      BenchRunner.Row r = rows.get(name);
      return r.gflops() * r.medianMs() / ms(name);
    }
  }

  /**
   * A checked target: {@code value} from the medians decides {@code met}; {@code fastestValue} is the same
   * ratio from each case's fastest run, which is steadier on a shared machine (noise only adds time).
   */
  public record Result(Target target, double value, double fastestValue, boolean met) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%-44s %6.2f  (%s %.2f)  %-8s fastest runs: %.2f", target.description(),
          value, target.atMost() ? "<=" : ">=", target.bound(), met ? "met" : "NOT MET", fastestValue);
    }
  }

  private static final List<String> NP_LENGTHS = List.of("np/T=128", "np/T=256", "np/T=512", "np/T=1024");

  /** Every target of the issues. */
  public static List<Target> all() {
    return List.of(
        new Target("dense-ffn GFLOP/s / gemm GFLOP/s", "foundation", 0.5, false, List.of("dense-ffn"),
            m -> m.gflops("dense-ffn") / m.gemmGflops()),
        ratio("moe/E=8", "dense-ffn", "moe-baseline", 1.3),
        ratio("moe/E=64", "dense-ffn", "moe-baseline", 1.6),
        new Target("moe-masked/E=8 / moe/E=8 (speed-up)", "moe-baseline", 3.0, false,
            List.of("moe-masked/E=8", "moe/E=8"), m -> m.ms("moe-masked/E=8") / m.ms("moe/E=8")),
        ratio("np/T=128", "dense-ffn", "np-layer", 1.3),
        // N is the same in every np/T case, so time per token compares as time per run
        new Target("np/T=128..1024 time per token, max / min", "np-layer", 1.25, true, NP_LENGTHS,
            m -> NP_LENGTHS.stream().mapToDouble(m::ms).max().orElseThrow()
                / NP_LENGTHS.stream().mapToDouble(m::ms).min().orElseThrow()),
        new Target("np-infer/k=8 / np-infer/k=2 (speed-up)", "np-layer", 2.0, false,
            List.of("np-infer/k=8", "np-infer/k=2"), m -> m.ms("np-infer/k=8") / m.ms("np-infer/k=2")));
  }

  /** The targets whose cases are all among {@code rows}, checked. */
  public static List<Result> check(double gemmGflops, List<BenchRunner.Row> rows) {
    Map<String, BenchRunner.Row> byName = new HashMap<>();
    for (BenchRunner.Row r : rows) {
      byName.put(r.name(), r);
    }
    Measured medians = new Measured(gemmGflops, byName, false);
    Measured fastest = new Measured(gemmGflops, byName, true);
    List<Result> out = new ArrayList<>();
    for (Target t : all()) {
      if (byName.keySet().containsAll(t.cases())) {
        double v = t.value().applyAsDouble(medians);
        out.add(new Result(t, v, t.value().applyAsDouble(fastest), t.atMost() ? v <= t.bound() : v >= t.bound()));
      }
    }
    return out;
  }

  private static Target ratio(String numerator, String denominator, String issue, double bound) {
    return new Target(numerator + " / " + denominator, issue, bound, true, List.of(numerator, denominator),
        m -> m.ms(numerator) / m.ms(denominator));
  }
}
