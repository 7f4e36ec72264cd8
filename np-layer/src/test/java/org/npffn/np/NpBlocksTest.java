package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.UsageSnapshot;

/**
 * The NP layer's training step in blocks of sequences, one per worker (-Dnpffn.workers=2), computes what one
 * worker computes: activations, score, every gradient and the group statistics, for every option.
 */
class NpBlocksTest {
  private static final int C = 4;

  @BeforeAll
  static void doublePrecision() {
    TestNets.useDoublePrecision();
  }

  /** Every combination of context mode, gating, U and decay; batch, format and padding drawn per case. */
  @Test
  void aStepInBlocksEqualsOneWorkerForEveryOption() {
    Random draw = new Random(20261201);
    for (ContextMode mode : ContextMode.values()) {
      for (GroupGating gating : GroupGating.values()) {
        for (boolean u : new boolean[] {false, true}) {
          for (boolean decay : new boolean[] {false, true}) {
            RNNFormat format = draw.nextBoolean() ? RNNFormat.NCW : RNNFormat.NWC;
            assertBlocksEqualOneWorker(mode, gating, u, decay, format, 2 + draw.nextInt(4), draw.nextBoolean(),
                draw.nextLong());
          }
        }
      }
    }
  }

  private static void assertBlocksEqualOneWorker(ContextMode mode, GroupGating gating, boolean u, boolean decay,
      RNNFormat format, int batch, boolean masked, long seed) {
    String option = mode + ", " + gating + ", U " + u + ", decay " + decay + ", " + format + ", B = " + batch
        + (masked ? ", padded" : "");
    int t = 520 / (batch / 2) + 1; // two blocks of whole sequences need 512 tokens each
    Supplier<ComputationGraph> net = () -> NpNets.graph(new NpFfn.Builder().hidden(8).groups(4).contextWidth(3)
        .selectorRank(2).contextMode(mode).gating(gating).contextProjection(u).decay(decay).dataFormat(format)
        .build(), C, t, seed, true);
    ComputationGraph single = TestNets.withWorkers(1, net);
    ComputationGraph blocks = TestNets.withWorkers(2, net);
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, format, batch, C, t);
    INDArray labels = TestNets.randomLabels(rng, format, batch, 3, t);
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = masked ? 1 + rng.nextInt(t) : t;
    }
    INDArray mask = masked ? TestNets.rightPaddedMask(t, lengths) : null;

    int[] ran = TestNets.assertSameTrainingStep(single, blocks, x, labels, mask, 1e-12);

    assertArrayEquals(new int[] {1, 2}, ran, option + ": blocks the forward ran in (one worker, two workers)");
    UsageSnapshot one = ((NpFfnLayer) single.getLayer("layer")).lastUsage().orElseThrow();
    UsageSnapshot two = ((NpFfnLayer) blocks.getLayer("layer")).lastUsage().orElseThrow();
    assertEquals(one.tokens(), two.tokens(), option + ": tokens");
    assertArrayEquals(one.load(), two.load(), 1e-9, option + ": load (sums over ~1,000 tokens, in another order)");
    assertArrayEquals(one.meanGate(), two.meanGate(), 1e-12, option + ": p̄");
    for (Map.Entry<String, Double> s : one.scalars().entrySet()) {
      assertEquals(s.getValue(), two.scalars().get(s.getKey()), 1e-12, option + ": " + s.getKey());
    }
  }
}
