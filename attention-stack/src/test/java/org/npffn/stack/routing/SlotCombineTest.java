package org.npffn.stack.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.CoreParallel;

/** The top-k combine against its definition y_t = Σ_{kept j} (g_tj ·) s[slot(t, j)], written as loops. */
class SlotCombineTest {
  private static final int N = 23;
  private static final int E = 5;
  private static final int K = 2;
  private static final int D = 3;

  @Test
  void combinesEachTokensKeptSlotsWithAndWithoutGatesWholeAndInBlocks() {
    Random rng = new Random(3);
    double[] scores = new double[N * E];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = rng.nextDouble();
    }
    boolean[] real = new boolean[N];
    for (int t = 0; t < N; t++) {
      real[t] = t % 7 != 6; //                                              a few padded tokens
    }
    // capacity 7 of the 2·20 choices over 5 experts: some choices are dropped
    Routing r = TopKRouter.route(scores, scores, real, E, K, 7, Overflow.DROP, true);
    assertTrue(r.dropped() > 0, "the case should drop choices");
    int slots = r.slots();
    INDArray s = Nd4j.rand(DataType.DOUBLE, slots + 1L, D);
    s.getRow(slots).assign(0);
    for (boolean weighted : new boolean[] {true, false}) {
      SlotCombine combine = weighted ? SlotCombine.weighted(r, slots, DataType.DOUBLE)
          : SlotCombine.unweighted(r, slots);
      INDArray whole = Nd4j.create(DataType.DOUBLE, N, D);
      combine.into(s, whole, Nd4j.create(DataType.DOUBLE, N, D));
      INDArray blocks = Nd4j.create(DataType.DOUBLE, N, D);
      long[] cut = new CoreParallel(3).rowBlocks(N, 1);
      INDArray picked = Nd4j.create(DataType.DOUBLE, N, D);
      for (int p = 0; p < cut.length - 1; p++) {
        combine.into(s, cut, p, blocks, picked);
      }
      for (int t = 0; t < N; t++) {
        for (int c = 0; c < D; c++) {
          double expected = 0;
          for (int j = 0; j < K; j++) {
            int slot = r.choiceSlot()[t * K + j];
            if (slot >= 0) {
              expected += (weighted ? r.choiceGate()[t * K + j] : 1) * s.getDouble(slot, c);
            }
          }
          assertEquals(expected, whole.getDouble(t, c), 1e-15, "token " + t + (weighted ? ", gated" : ""));
          assertEquals(expected, blocks.getDouble(t, c), 1e-15, "token " + t + " in blocks");
        }
      }
    }
  }
}
