package org.npffn.stack.ffn;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Read-only usage statistics of one routing or gating FFN layer over a set of real tokens: one forward pass,
 * or a whole evaluation pass when built by a {@link UsageAccumulator}. MoE experts and Neural-Process groups
 * are both "units" here.
 *
 * <p>Padding never counts: tokens, loads and gates cover unmasked tokens only.
 *
 * @param layer the layer name
 * @param tokens real tokens seen
 * @param load per unit: token-slots it computed (MoE: tokens routed to the expert and kept; NP: tokens whose
 *     inference top-k kept the group, or the summed gate weight when no top-k applies)
 * @param meanGate per unit: the mean gate probability over tokens (MoE: P_i of Switch; NP: p̄_m)
 * @param droppedSlots token-slots that found their unit full and were dropped (0 without capacity)
 * @param scalars further named means over the tokens, e.g. "router_z" or "context_reliance"
 */
public record UsageSnapshot(String layer, long tokens, double[] load, double[] meanGate, long droppedSlots,
    Map<String, Double> scalars) {

  public UsageSnapshot {
    Preconditions.checkArgument(load.length == meanGate.length && load.length > 0,
        "load (%s units) and meanGate (%s units) must have the same, positive length", load.length,
        meanGate.length);
    load = load.clone();
    meanGate = meanGate.clone();
    scalars = Map.copyOf(new TreeMap<>(scalars));
  }

  public int units() {
    return load.length;
  }

  @Override
  public double[] load() {
    return load.clone();
  }

  @Override
  public double[] meanGate() {
    return meanGate.clone();
  }

  private double totalLoad() {
    return Arrays.stream(load).sum();
  }

  /** f_i = load_i / Σ load (Switch's fraction of token-slots per expert); all 0 when nothing was routed. */
  public double[] fractions() {
    double total = totalLoad();
    return Arrays.stream(load).map(l -> total == 0 ? 0 : l / total).toArray();
  }

  /** Coefficient of variation of the loads: population std / mean. 0 is perfect balance; NaN if no load. */
  public double loadCv() {
    double mean = totalLoad() / units();
    double var = Arrays.stream(load).map(l -> (l - mean) * (l - mean)).sum() / units();
    return Math.sqrt(var) / mean;
  }

  /** MaxVio = (max_i load_i - mean load) / mean load (Wang et al. 2024). 0 is perfect balance. */
  public double maxVio() {
    double mean = totalLoad() / units();
    return (Arrays.stream(load).max().orElse(0) - mean) / mean;
  }

  /** H(f) / ln(units): 1 is uniform use, 0 is one unit doing everything. 1 for a single unit. */
  public double normalisedLoadEntropy() {
    return units() == 1 ? 1.0 : entropy(fractions()) / Math.log(units());
  }

  /** Share of all load taken by the busiest ceil(fraction * units) units. */
  public double busiestShare(double fraction) {
    Preconditions.checkArgument(fraction > 0 && fraction <= 1, "fraction = %s must be in (0, 1]", fraction);
    int n = (int) Math.ceil(fraction * units());
    double[] sorted = load();
    Arrays.sort(sorted);
    double top = 0;
    for (int i = 0; i < n; i++) {
      top += sorted[sorted.length - 1 - i];
    }
    double total = totalLoad();
    return total == 0 ? 0 : top / total;
  }

  /** Dropped slots over all slots asked for (kept + dropped). */
  public double droppedFraction() {
    double asked = totalLoad() + droppedSlots;
    return asked == 0 ? 0 : droppedSlots / asked;
  }

  /** exp H(meanGate): the effective number of units the layer uses on average (NP's exp H(p̄)). */
  public double effectiveUnits() {
    double sum = Arrays.stream(meanGate).sum();
    return Math.exp(entropy(Arrays.stream(meanGate).map(p -> sum == 0 ? 0 : p / sum).toArray()));
  }

  /** A named scalar, or NaN when the layer does not report it. */
  public double scalar(String name) {
    return scalars.getOrDefault(name, Double.NaN);
  }

  static double entropy(double[] p) {
    double h = 0;
    for (double q : p) {
      if (q > 0) {
        h -= q * Math.log(q);
      }
    }
    return h;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UsageSnapshot s && layer.equals(s.layer) && tokens == s.tokens
        && Arrays.equals(load, s.load) && Arrays.equals(meanGate, s.meanGate) && droppedSlots == s.droppedSlots
        && scalars.equals(s.scalars);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * layer.hashCode() + Arrays.hashCode(load)) + Arrays.hashCode(meanGate);
  }

  @Override
  public String toString() {
    return String.format("UsageSnapshot[%s: tokens=%d, load=%s, cv=%.3f, maxVio=%.3f, dropped=%d, %s]", layer,
        tokens, Arrays.toString(load), loadCv(), maxVio(), droppedSlots, scalars);
  }
}
