package org.npffn.eval.results;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How much one arm's test bits per byte differ from another's, paired by seed (docs/report.md, "answer").
 * Runs with the same seed saw the same batches in the same order, so for each seed s where both runs are ok,
 * d_s = bpb(arm, s) − bpb(reference, s), and the answer is the mean of d_s with its 95% interval
 * mean ± t(0.975, n−1)·sd/√n ({@link Interval}; none below {@value Interval#MIN_SEEDS} seeds).
 *
 * <p>The percentages are the same interval divided by the reference's mean over the paired seeds, so the
 * percent and the bits-per-byte intervals exclude zero together.
 *
 * @param question which comparison: "np vs dense", "np vs best MoE" or "best MoE vs dense"
 * @param arm the arm being compared
 * @param reference the arm it is compared with
 * @param seeds the paired seeds, ascending
 * @param referenceBitsPerByte the reference's mean test bits per byte over the paired seeds (NaN when none)
 * @param differenceBitsPerByte mean over the paired seeds of bpb(arm) − bpb(reference), with its interval
 * @param differencePercent the same as a percentage of {@code referenceBitsPerByte}
 * @param excludesZero whether the interval lies wholly below or wholly above zero; false without an interval
 * @param sentence the comparison in one sentence
 */
public record PairedDifference(String question, String arm, String reference, List<Long> seeds,
    double referenceBitsPerByte, Interval differenceBitsPerByte, Interval differencePercent, boolean excludesZero,
    String sentence) {

  /**
   * The paired difference of {@code arm} against {@code reference}.
   *
   * @param armBitsPerByte test bits per byte of the arm's ok runs, by seed
   * @param referenceBitsPerByte the same for the reference
   */
  public static PairedDifference of(String question, String arm, String reference, Map<Long, Double> armBitsPerByte,
      Map<Long, Double> referenceBitsPerByte) {
    List<Long> seeds = new ArrayList<>();
    List<Double> differences = new ArrayList<>();
    double referenceSum = 0;
    for (Map.Entry<Long, Double> e : new TreeMap<>(armBitsPerByte).entrySet()) {
      Double ref = referenceBitsPerByte.get(e.getKey());
      if (ref != null) {
        seeds.add(e.getKey());
        differences.add(e.getValue() - ref);
        referenceSum += ref;
      }
    }
    double refMean = seeds.isEmpty() ? Double.NaN : referenceSum / seeds.size();
    Interval bpb = Interval.of(differences.stream().mapToDouble(Double::doubleValue).toArray());
    Interval pct = new Interval(100 * bpb.mean() / refMean, 100 * bpb.low() / refMean, 100 * bpb.high() / refMean,
        bpb.n());
    boolean excludesZero = bpb.low() > 0 || bpb.high() < 0;
    return new PairedDifference(question, arm, reference, List.copyOf(seeds), refMean, bpb, pct, excludesZero,
        PairedSentence.of(arm, reference, seeds, bpb, pct, excludesZero));
  }
}
