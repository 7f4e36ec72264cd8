package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.TestNets;

/**
 * NpFfnLayer.unitOutput: each group's ungated contribution act[:, group] · W_down[group, :]. At initialisation
 * the selector's output factor is zero, so every group scale is 1 (M·(1/M) for softmax, 1 + tanh 0 for FiLM)
 * and the forward is exactly the sum of the groups' contributions plus b_down.
 */
class NpUnitOutputProperties {
  private static final int C = 6;
  private static final int T = 5;
  private static final int B = 2;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static NpFfn conf(ContextMode mode, GroupGating gating, boolean u) {
    return new NpFfn.Builder().hidden(8).groups(4).contextWidth(3).selectorRank(2).contextMode(mode)
        .gating(gating).contextProjection(u).dataFormat(RNNFormat.NWC).build();
  }

  @Property(tries = 16, seed = "20261124")
  void atInitialisationTheForwardIsTheSumOfTheGroupsContributions(@ForAll ContextMode mode,
      @ForAll GroupGating gating, @ForAll boolean u, @ForAll boolean masked, @ForAll long seed) {
    NpFfnLayer layer = (NpFfnLayer) NpNets.graph(conf(mode, gating, u), C, T, seed, false).getLayer("layer");
    // a random b_down, so the check would see it counted twice or not at all
    layer.getParam(NpFfn.B_DOWN).assign(Nd4j.rand(DataType.DOUBLE, 1, C));
    INDArray x = TestNets.randomSequence(new Random(seed), RNNFormat.NWC, B, C, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, 5, 3) : null;
    INDArray y = NpNets.forward(layer, x, mask, false).dup().reshape('c', (long) B * T, C); //      [N, C]
    INDArray sum = Nd4j.zeros(DataType.DOUBLE, (long) B * T, C);
    for (int g = 0; g < layer.units(); g++) {
      INDArray unit = layer.unitOutput(g);
      assertArrayEquals(new long[] {(long) B * T, C}, unit.shape());
      sum.addi(unit);
    }
    sum.addiRowVector(layer.getParam(NpFfn.B_DOWN));
    if (mask != null) {
      sum.muliColumnVector(mask.reshape('c', (long) B * T, 1));
    }
    assertTrue(sum.equalsWithEps(y, 1e-10), "Σ_g group_g(x) + b_down against the layer's output");
  }

  @Example
  void needsTheDensePathsActivations() {
    NpFfnLayer layer = (NpFfnLayer) NpNets.graph(conf(ContextMode.TRANSITION, GroupGating.SOFTMAX, true), C, T, 1,
        false).getLayer("layer");
    assertThrows(IllegalStateException.class, () -> layer.unitOutput(0));
    layer.setInferenceTopK(2, true);
    NpNets.forward(layer, TestNets.randomSequence(new Random(1), RNNFormat.NWC, B, C, T), null, false);
    assertThrows(IllegalStateException.class, () -> layer.unitOutput(0), "the top-k path keeps no [N, h] activations");
    layer.setInferenceTopK(0, true);
    NpNets.forward(layer, TestNets.randomSequence(new Random(1), RNNFormat.NWC, B, C, T), null, false);
    assertThrows(IndexOutOfBoundsException.class, () -> layer.unitOutput(4));
  }
}
