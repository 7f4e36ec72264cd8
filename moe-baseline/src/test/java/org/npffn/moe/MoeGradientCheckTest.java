package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.routing.Overflow;

/**
 * Gradient checks (double precision) of the MoE layer. The rows cover every pair of option values at least
 * once (router × k × gating × shared × capacity/overflow × activation × renormalisation × padding × noise),
 * with the aux loss and z-loss on; sigmoid gating always normalises, so it never pairs with renorm=false.
 * Inputs are Gaussian, so top-k margins are far above the 1e-6 perturbation.
 *
 * <p>Noise rows: the layer draws ε from (noiseSeed, iteration), and a gradient check never advances the
 * iteration, so every forward of one check sees the same ε (asserted below, as is that ε moves the output).
 * Wn starts at zero; the check sets it to Gaussian values so that softplus'(x Wn) is not the constant 1/2.
 */
class MoeGradientCheckTest {
  private static final int C = 6;
  private static final int T = 4;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  @ParameterizedTest(name = "rank={0} k={1} {2} shared={3} capacity={4} {5} {6} renorm={7} masked={8} noisy={9}")
  @CsvSource({
      // rank, k, gating, shared, capacity, overflow, activation, renormalize, masked, noisy
      "0, 1, SOFTMAX, 0, 0,   DROP,      GELU,   true,  false, false",
      "0, 2, SIGMOID, 1, 0.5, DROP,      SWIGLU, true,  true,  false",
      "0, 2, SOFTMAX, 1, 0.5, NEXT_BEST, GELU,   false, false, false",
      "2, 1, SIGMOID, 1, 0,   NEXT_BEST, GELU,   true,  true,  false",
      "2, 2, SOFTMAX, 0, 0.5, DROP,      SWIGLU, false, false, false",
      "2, 1, SOFTMAX, 0, 0.5, NEXT_BEST, SWIGLU, true,  true,  false",
      "2, 2, SIGMOID, 0, 0,   DROP,      GELU,   true,  false, false",
      "0, 1, SIGMOID, 0, 0.5, NEXT_BEST, SWIGLU, true,  false, false",
      "2, 2, SOFTMAX, 1, 0,   DROP,      GELU,   true,  true,  false",
      "0, 2, SOFTMAX, 0, 0,   NEXT_BEST, SWIGLU, false, true,  false",
      "0, 1, SOFTMAX, 0, 0,   DROP,      GELU,   false, false, true",
      "2, 2, SIGMOID, 1, 0.5, NEXT_BEST, SWIGLU, true,  true,  true",
  })
  void gradientsMatch(int rank, int k, Gating gating, int shared, double capacity, Overflow overflow,
      FfnActivation act, boolean renorm, boolean masked, boolean noisy) {
    MoeFfn.Builder b = new MoeFfn.Builder().nExperts(4).topK(k).expertHidden(5).routerRank(rank).gating(gating)
        .nShared(shared).activation(act).renormalize(renorm).overflow(overflow).auxLossWeight(0.1)
        .zLossWeight(0.01).noisy(noisy, 43).dataFormat(RNNFormat.NWC);
    if (capacity > 0) {
      b.capacityFactor(capacity);
    }
    Random rng = new Random(41 + rank + 10L * k);
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(41), b.build(), C, T, 3);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, 3, C, T);
    INDArray y = TestNets.randomLabels(rng, RNNFormat.NWC, 3, 3, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 2, 3) : null;
    if (noisy) {
      net.getLayer("layer").getParam(MoeFfn.NOISE).assign(TestNets.randomSequence(rng, RNNFormat.NWC, 1, 4, C));
      assertNoiseFixedAndLive(net, x, mask);
    }
    assertTrue(TestNets.gradientsMatch(net, x, y, mask, 0));
  }

  /** Two training forwards agree (one ε per check), and differ from the inference forward (ε is used). */
  private static void assertNoiseFixedAndLive(ComputationGraph net, INDArray x, INDArray mask) {
    INDArray[] masks = mask == null ? null : new INDArray[] {mask};
    net.setLayerMaskArrays(masks, masks);
    INDArray first = net.feedForward(new INDArray[] {x}, true, false).get("layer").dup();
    INDArray second = net.feedForward(new INDArray[] {x}, true, false).get("layer").dup();
    INDArray clean = net.feedForward(new INDArray[] {x}, false, false).get("layer").dup();
    net.clearLayerMaskArrays();
    assertTrue(first.equals(second), "the noise sample changed between two forwards of one iteration by "
        + first.sub(second).amaxNumber());
    assertFalse(first.equalsWithEps(clean, 1e-9), "the training forward did not use the noise");
  }
}
