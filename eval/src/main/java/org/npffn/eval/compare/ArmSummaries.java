package org.npffn.eval.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.npffn.eval.results.CompareResults.ArmSummary;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.RunResult;

/** One summary row per arm: means with 95% intervals over the arm's successful seeds. */
public final class ArmSummaries {
  private ArmSummaries() {}

  /** The rows, in the order the arms first appear in {@code runs}. */
  public static List<ArmSummary> of(List<RunResult> runs) {
    Map<String, List<RunResult>> byArm = new LinkedHashMap<>();
    for (RunResult r : runs) {
      byArm.computeIfAbsent(r.arm(), a -> new ArrayList<>()).add(r);
    }
    List<ArmSummary> out = new ArrayList<>();
    byArm.forEach((arm, rs) -> {
      List<RunResult> ok = rs.stream().filter(RunResult::ok).toList();
      RunResult first = rs.get(0);
      int diverged = (int) rs.stream().filter(r -> RunResult.DIVERGED.equals(r.status())).count();
      out.add(new ArmSummary(arm, rs.size(), rs.size() - ok.size(), diverged, first.parameters(), first.activeParameters(),
          first.ffnFlopsPerToken(), over(ok, r -> r.validation().perplexity()), over(ok, r -> r.test().perplexity()),
          over(ok, r -> r.test().bitsPerByte()), over(ok, RunResult::tokensPerSecond)));
    });
    return out;
  }

  private static Interval over(List<RunResult> runs, ToDoubleFunction<RunResult> metric) {
    return Interval.of(runs.stream().mapToDouble(metric).toArray());
  }
}
