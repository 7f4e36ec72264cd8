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
    int t = TestNets.twoBlockLength(batch);
    Supplier<ComputationGraph> net = () -> NpNets.graph(new NpFfn.Builder().hidden(8).groups(4).contextWidth(3)
        .selectorRank(2).contextMode(mode).gating(gating).contextProjection(u).decay(decay).dataFormat(format)
        .build(), C, t, seed, true);
    ComputationGraph[] nets = TestNets.assertBlocksMatchOneWorker(net, format, batch, C, t, masked, seed, option);
    ComputationGraph single = nets[0];
    ComputationGraph blocks = nets[1];
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
