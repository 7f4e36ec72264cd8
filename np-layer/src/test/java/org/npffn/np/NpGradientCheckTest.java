package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.TestNets;

/**
 * Gradient checks (double precision) of the NP layer: every pair of option values (context mode × U ×
 * gating × decay × padding × data format) appears in at least one row. The zero-started selector (A2, G),
 * the prior and the decay logits are randomised first, so every path carries gradient.
 */
class NpGradientCheckTest {
  private static final int C = 6;
  private static final int T = 5;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  @ParameterizedTest(name = "{0} U={1} {2} decay={3} masked={4} {5}")
  @CsvSource({
      "TOKEN,      true,  SOFTMAX, false, false, NWC",
      "TOKEN,      false, FILM,    true,  true,  NCW",
      "TRANSITION, true,  FILM,    false, true,  NWC",
      "TRANSITION, false, SOFTMAX, true,  false, NCW",
      "TOKEN,      true,  FILM,    true,  false, NWC",
      "TRANSITION, true,  SOFTMAX, true,  true,  NWC",
      "TRANSITION, false, FILM,    false, false, NWC",
      "TOKEN,      false, SOFTMAX, false, true,  NCW",
  })
  void gradientsMatch(ContextMode mode, boolean u, GroupGating gating, boolean decay, boolean masked,
      RNNFormat format) {
    NpFfn conf = new NpFfn.Builder().hidden(8).groups(4).contextWidth(3).selectorRank(2).contextMode(mode)
        .contextProjection(u).gating(gating).decay(decay).dataFormat(format).build();
    ComputationGraph net = NpNets.graph(conf, C, T, 51, true);
    Random rng = new Random(51);
    INDArray x = TestNets.randomSequence(rng, format, 3, C, T);
    INDArray y = TestNets.randomLabels(rng, format, 3, 3, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 3, 1) : null;
    assertTrue(TestNets.gradientsMatch(net, x, y, mask, 0));
  }
}
