package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.npffn.stack.ffn.UsageAccumulator;
import org.npffn.stack.ffn.UsageSnapshot;

/** The load-balance statistics, on loads whose values are known by hand. */
class UsageSnapshotTest {

  private static UsageSnapshot snap(double... load) {
    double[] gate = new double[load.length];
    java.util.Arrays.fill(gate, 1.0 / load.length);
    return new UsageSnapshot("l", 100, load, gate, 0, Map.of());
  }

  @Test
  void perfectBalance() {
    UsageSnapshot s = snap(25, 25, 25, 25);
    assertEquals(0.0, s.loadCv(), 1e-12);
    assertEquals(0.0, s.maxVio(), 1e-12);
    assertEquals(1.0, s.normalisedLoadEntropy(), 1e-12);
    assertEquals(0.25, s.busiestShare(0.1), 1e-12); // ceil(0.1 * 4) = 1 unit
    assertEquals(4.0, s.effectiveUnits(), 1e-12);
  }

  @Test
  void skewedLoads() {
    UsageSnapshot s = snap(70, 10, 10, 10);
    // mean 25, deviations 45, -15, -15, -15: var = (2025 + 3 * 225) / 4 = 675
    assertEquals(Math.sqrt(675) / 25, s.loadCv(), 1e-12);
    assertEquals((70 - 25) / 25.0, s.maxVio(), 1e-12);
    double h = -(0.7 * Math.log(0.7) + 3 * 0.1 * Math.log(0.1));
    assertEquals(h / Math.log(4), s.normalisedLoadEntropy(), 1e-12);
    assertEquals(0.7, s.busiestShare(0.1), 1e-12);
    assertEquals(0.8, s.busiestShare(0.5), 1e-12);
  }

  @Test
  void droppedFractionCountsDroppedOverAskedSlots() {
    UsageSnapshot s = new UsageSnapshot("l", 10, new double[] {8, 8}, new double[] {0.5, 0.5}, 4, Map.of());
    assertEquals(4.0 / 20, s.droppedFraction(), 1e-12);
  }

  @Test
  void accumulatorSumsLoadsAndKeepsPerBatchMaxVioApart() {
    UsageAccumulator acc = new UsageAccumulator("l");
    acc.add(new UsageSnapshot("l", 10, new double[] {10, 0}, new double[] {0.9, 0.1}, 1, Map.of("z", 2.0)));
    acc.add(new UsageSnapshot("l", 30, new double[] {0, 30}, new double[] {0.1, 0.9}, 0, Map.of("z", 4.0)));
    UsageSnapshot total = acc.snapshot();
    assertEquals(40, total.tokens());
    assertEquals(10, total.load()[0], 0);
    assertEquals(30, total.load()[1], 0);
    assertEquals((0.9 * 10 + 0.1 * 30) / 40, total.meanGate()[0], 1e-12);
    assertEquals((2.0 * 10 + 4.0 * 30) / 40, total.scalar("z"), 1e-12);
    assertEquals(1, total.droppedSlots());
    assertEquals(0.5, total.maxVio(), 1e-12); // global: loads 10, 30, mean 20
    assertEquals(1.0, acc.batchMaxVio().mean(), 1e-12); // each batch alone: one unit does everything
  }

  @Test
  void aScalarSomeBatchesDoNotReportIsAveragedOverTheBatchesThatDo() {
    // e.g. the NP's context_reliance, measured in inference passes only: a batch without it is not a 0
    UsageAccumulator acc = new UsageAccumulator("l");
    acc.add(new UsageSnapshot("l", 10, new double[] {5, 5}, new double[] {0.5, 0.5}, 0, Map.of("r", 0.3)));
    acc.add(new UsageSnapshot("l", 30, new double[] {15, 15}, new double[] {0.5, 0.5}, 0, Map.of()));
    assertEquals(0.3, acc.snapshot().scalar("r"), 1e-12);
    assertEquals(Double.NaN, acc.snapshot().scalar("never"), "absent everywhere: not reported");
  }
}
