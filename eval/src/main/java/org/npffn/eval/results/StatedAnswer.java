package org.npffn.eval.results;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The answer the report opens with (docs/report.md, "answer"): np vs dense, np vs the best MoE and the best
 * MoE vs dense, each a {@link PairedDifference} of test bits per byte. The best MoE is the MoE arm (label
 * "moe-…") with the lowest mean test bits per byte over its ok runs. It is picked on the same test numbers it
 * is then compared on, which flatters it a little; the report says so. A comparison whose arm did not run at
 * all is left out; one whose runs all diverged stays, with no paired seed.
 */
public final class StatedAnswer {
  static final String DENSE = "dense";
  static final String NP = "np";

  private StatedAnswer() {}

  /** The comparisons for {@code runs}, in the order np vs dense, np vs best MoE, best MoE vs dense. */
  public static List<PairedDifference> of(List<RunResult> runs) {
    Map<String, Map<Long, Double>> okBpb = new LinkedHashMap<>();
    for (RunResult r : runs) {
      Map<Long, Double> bySeed = okBpb.computeIfAbsent(r.arm(), a -> new LinkedHashMap<>());
      if (r.ok() && r.test() != null && Double.isFinite(r.test().bitsPerByte())) {
        bySeed.put(r.seed(), r.test().bitsPerByte());
      }
    }
    Optional<String> bestMoe = bestMoe(okBpb);
    List<PairedDifference> out = new ArrayList<>();
    if (okBpb.containsKey(NP) && okBpb.containsKey(DENSE)) {
      out.add(PairedDifference.of("np vs dense", NP, DENSE, okBpb.get(NP), okBpb.get(DENSE)));
    }
    bestMoe.ifPresent(moe -> {
      if (okBpb.containsKey(NP)) {
        out.add(PairedDifference.of("np vs best MoE", NP, moe, okBpb.get(NP), okBpb.get(moe)));
      }
      if (okBpb.containsKey(DENSE)) {
        out.add(PairedDifference.of("best MoE vs dense", moe, DENSE, okBpb.get(moe), okBpb.get(DENSE)));
      }
    });
    return out;
  }

  /** The MoE arm with the lowest mean over its ok runs; the first MoE arm when none has an ok run. */
  private static Optional<String> bestMoe(Map<String, Map<Long, Double>> okBpb) {
    List<String> moe = okBpb.keySet().stream().filter(a -> a.startsWith("moe")).toList();
    return moe.stream().filter(a -> !okBpb.get(a).isEmpty())
        .min(Comparator.comparingDouble(a -> okBpb.get(a).values().stream().mapToDouble(Double::doubleValue)
            .average().orElseThrow()))
        .or(() -> moe.stream().findFirst());
  }
}
