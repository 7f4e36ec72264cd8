package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.FfnActivation;

/** MoeFfnLayer.unitOutput: each expert's ungated output on the rows of the last forward pass. */
class MoeUnitOutputProperties {
  private static final int C = 6;
  private static final int T = 5;
  private static final int B = 3;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  @Property(tries = 20, seed = "20261124")
  void theForwardIsTheGateWeightedSumOfTheExpertsOutputs(@ForAll @IntRange(min = 1, max = 5) int e,
      @ForAll @IntRange(min = 1, max = 5) int kSeed, @ForAll FfnActivation act, @ForAll Gating gating,
      @ForAll boolean masked, @ForAll long seed) {
    int k = 1 + (kSeed - 1) % e;
    MoeFfn conf = new MoeFfn.Builder().nExperts(e).topK(k).expertHidden(5).activation(act).gating(gating)
        .dataFormat(RNNFormat.NWC).build();
    MoeFfnLayer layer = (MoeFfnLayer) MoeNets.layer(conf, C, T, seed);
    INDArray x = TestNets.randomSequence(new Random(seed), RNNFormat.NWC, B, C, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, 5, 2, 4) : null;
    INDArray y = MoeNets.forward(layer, x, mask, false).dup().reshape('c', (long) B * T, C); //     [N, C]
    INDArray gates = Nd4j.create(layer.lastRouting().gateMatrix(), new long[] {(long) B * T, e}, DataType.DOUBLE);
    INDArray mixed = Nd4j.zeros(DataType.DOUBLE, (long) B * T, C);
    for (int u = 0; u < e; u++) {
      INDArray unit = layer.unitOutput(u); //                                                         [N, C]
      assertArrayEquals(new long[] {(long) B * T, C}, unit.shape());
      mixed.addi(unit.mulColumnVector(gates.getColumn(u).reshape(B * T, 1)));
    }
    if (mask != null) {
      mixed.muliColumnVector(mask.reshape('c', (long) B * T, 1));
    }
    assertTrue(mixed.equalsWithEps(y, 1e-10), "Σ_u g_u · expert_u(x) against the layer's output");
  }

  @Example
  void refusesBeforeAForwardPassAndOutsideTheExperts() {
    MoeFfn conf = new MoeFfn.Builder().nExperts(3).topK(1).expertHidden(4).dataFormat(RNNFormat.NWC).build();
    Layer layer = MoeNets.layer(conf, C, T, 1);
    assertThrows(IllegalStateException.class, () -> ((MoeFfnLayer) layer).unitOutput(0));
    MoeNets.forward(layer, TestNets.randomSequence(new Random(1), RNNFormat.NWC, 1, C, T), null, false);
    assertThrows(IndexOutOfBoundsException.class, () -> ((MoeFfnLayer) layer).unitOutput(3));
  }
}
