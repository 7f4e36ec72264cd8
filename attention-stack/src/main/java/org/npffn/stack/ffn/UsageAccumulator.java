package org.npffn.stack.ffn;

import com.google.common.base.Preconditions;
import com.google.common.math.StatsAccumulator;
import java.util.HashMap;
import java.util.Map;

/**
 * Sums the per-batch {@link UsageSnapshot}s of one layer over an evaluation pass (Guava's Stats /
 * StatsAccumulator shape: a mutable accumulator that snapshots an immutable value).
 *
 * <p>Loads and dropped slots add up; gate means and scalars are token-weighted means. Per-batch MaxVio is kept
 * apart: on small models one batch's MaxVio is often several times the global one, so both are reported.
 */
public final class UsageAccumulator {
  private final String layer;
  private long tokens;
  private double[] load;
  private double[] gateSum;
  private long dropped;
  private final Map<String, Double> scalarSums = new HashMap<>();
  /** Tokens behind each scalar: a scalar a batch did not report (e.g. measured at inference only) is not 0. */
  private final Map<String, Long> scalarTokens = new HashMap<>();
  private final StatsAccumulator batchMaxVio = new StatsAccumulator();

  public UsageAccumulator(String layer) {
    this.layer = layer;
  }

  public void add(UsageSnapshot s) {
    if (load == null) {
      load = new double[s.units()];
      gateSum = new double[s.units()];
    }
    Preconditions.checkArgument(s.units() == load.length, "layer %s: %s units after %s", layer, s.units(),
        load.length);
    if (s.tokens() == 0) {
      return;
    }
    tokens += s.tokens();
    double[] l = s.load();
    double[] g = s.meanGate();
    for (int i = 0; i < l.length; i++) {
      load[i] += l[i];
      gateSum[i] += g[i] * s.tokens();
    }
    dropped += s.droppedSlots();
    s.scalars().forEach((k, v) -> {
      scalarSums.merge(k, v * s.tokens(), Double::sum);
      scalarTokens.merge(k, s.tokens(), Long::sum);
    });
    batchMaxVio.add(s.maxVio());
  }

  /** Mean and spread of the per-batch MaxVio over the batches added. */
  public StatsAccumulator batchMaxVio() {
    StatsAccumulator copy = new StatsAccumulator();
    copy.addAll(batchMaxVio);
    return copy;
  }

  /** The totals so far as one snapshot (its maxVio() is the global MaxVio); empty input gives 0 tokens. */
  public UsageSnapshot snapshot() {
    Preconditions.checkState(load != null, "layer %s: no snapshot was added", layer);
    double[] meanGate = new double[gateSum.length];
    for (int i = 0; i < meanGate.length; i++) {
      meanGate[i] = tokens == 0 ? 0 : gateSum[i] / tokens;
    }
    Map<String, Double> scalars = new HashMap<>();
    scalarSums.forEach((k, v) -> {
      long n = scalarTokens.get(k);
      if (n > 0) {
        scalars.put(k, v / n);
      }
    });
    return new UsageSnapshot(layer, tokens, load, meanGate, dropped, scalars);
  }
}
