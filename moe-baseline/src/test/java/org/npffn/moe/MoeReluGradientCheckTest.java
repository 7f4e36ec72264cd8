package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.FfnActivation;

/**
 * Gradient checks (double precision) of ReLU routing (ReMoE). The rows cover every pair of router (linear,
 * low-rank) × activation × shared experts × padding, with the z-loss on in half of them. λ is 0.05 and α = 1,
 * so the load-balanced L1 term carries a checkable gradient and the controller's step after the backward does
 * not change the function the finite differences see.
 *
 * <p>ReLU has a kink at 0, and f_e counts the positive gates: each case draws inputs until every real token's
 * router logits are at least {@link #MARGIN} away from 0, far beyond what a 1e-6 parameter perturbation moves.
 */
class MoeReluGradientCheckTest {
  private static final int C = 6;
  private static final int T = 4;
  private static final int B = 3;
  private static final int E = 4;
  private static final double MARGIN = 1e-3;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  /**
   * The controllers are held (α = 1, γ_b = 0) so that the backward's step cannot move λ or the shift between the
   * analytic and the numerical gradient; a non-zero shift b is set by hand, so that ReLU(l + b) is checked too.
   */
  @ParameterizedTest(name = "rank={0} {1} shared={2} masked={3} zLoss={4} shift={5}")
  @CsvSource({
      "0, GELU,   0, false, 0,    0",
      "0, SWIGLU, 1, true,  0.01, 0.05",
      "2, GELU,   1, true,  0,    -0.05",
      "2, SWIGLU, 0, false, 0.01, 0",
      "0, GELU,   0, true,  0.01, -0.05",
      "2, SWIGLU, 1, false, 0,    0.05",
  })
  void gradientsMatch(int rank, FfnActivation act, int shared, boolean masked, double zLoss, double shift) {
    MoeFfn conf = new MoeFfn.Builder().nExperts(E).topK(2).expertHidden(5).routerRank(rank).gating(Gating.RELU)
        .reluSparsity(0.05, 1.0).reluShift(0).zLossWeight(zLoss).nShared(shared).activation(act)
        .dataFormat(RNNFormat.NWC).build();
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 2, 3) : null;
    for (int attempt = 0; attempt < 50; attempt++) {
      long seed = 71 + 100L * rank + attempt;
      Random rng = new Random(seed);
      ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), conf, C, T, 3);
      net.getLayer("layer").getParam(MoeFfn.RELU_SHIFT).assign(shift);
      INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
      INDArray y = TestNets.randomLabels(rng, RNNFormat.NWC, B, 3, T);
      if (smallestRealLogit(net.getLayer("layer"), x, mask, rank) > MARGIN) {
        assertTrue(TestNets.gradientsMatch(net, x, y, mask, 0, Set.of(MoeFfn.RELU_EXPONENT, MoeFfn.RELU_SHIFT)),
            "seed " + seed);
        return;
      }
    }
    fail("no input in 50 draws kept every router logit " + MARGIN + " away from the ReLU kink");
  }

  /** min |l_te + b| over the real tokens, l = x Wr or x Wr1 Wr2, b the shift. */
  private static double smallestRealLogit(Layer layer, INDArray x, INDArray mask, int rank) {
    INDArray rows = x.reshape('c', (long) B * T, C);
    INDArray logits = rank == 0 ? rows.mmul(layer.getParam(MoeFfn.ROUTER))
        : rows.mmul(layer.getParam(MoeFfn.ROUTER_DOWN)).mmul(layer.getParam(MoeFfn.ROUTER_UP));
    logits.addi(layer.getParam(MoeFfn.RELU_SHIFT).getDouble(0));
    double min = Double.POSITIVE_INFINITY;
    for (int t = 0; t < B * T; t++) {
      if (mask != null && mask.getDouble(t / T, t % T) == 0) {
        continue;
      }
      for (int e = 0; e < E; e++) {
        min = Math.min(min, Math.abs(logits.getDouble(t, e)));
      }
    }
    return min;
  }
}
