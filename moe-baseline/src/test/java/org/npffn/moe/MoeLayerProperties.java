package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnActivation;

/** The sparse MoE against independent computations of the same function. */
class MoeLayerProperties {
  private static final int C = 6;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static MoeFfn.Builder base(int e, int k) {
    return new MoeFfn.Builder().nExperts(e).topK(k).expertHidden(5).dataFormat(RNNFormat.NWC);
  }

  private static INDArray gaussian(Random rng, long... shape) {
    return TestNets.randomSequence(rng, RNNFormat.NWC, shape[0], shape[2], shape[1]);
  }

  /**
   * With 1,200 tokens the dispatch, combine and gate-gradient steps run in two row blocks and the router's
   * backward beside the experts (CoreParallel); the same layer on one worker must give the same numbers.
   */
  @Property(tries = 4, seed = "20261201")
  void oneWorkerPerCoreGivesTheSameOutputsAndGradientsAsOneWorker(@ForAll Gating gating,
      @ForAll @IntRange(min = 0, max = 1) int shared, @ForAll @IntRange(min = 0, max = 3) int routerRank,
      @ForAll boolean masked, @ForAll long seed) {
    MoeFfn conf = base(5, 2).gating(gating).nShared(shared).routerRank(routerRank)
        .auxLossWeight(gating == Gating.RELU ? 0 : 0.01).zLossWeight(0.001).build();
    int t = 300;
    Layer parallel;
    Layer single;
    String before = System.getProperty("npffn.workers");
    try {
      System.setProperty("npffn.workers", "2");
      parallel = MoeNets.layer(conf, C, t, seed);
      System.setProperty("npffn.workers", "1");
      single = MoeNets.layer(conf, C, t, seed);
    } finally {
      if (before == null) {
        System.clearProperty("npffn.workers");
      } else {
        System.setProperty("npffn.workers", before);
      }
    }
    for (Map.Entry<String, INDArray> en : parallel.paramTable().entrySet()) {
      single.getParam(en.getKey()).assign(en.getValue());
    }
    Random rng = new Random(seed);
    INDArray x = gaussian(rng, 4, t, C);
    INDArray mask = masked ? TestNets.rightPaddedMask(t, t, 250, 280, 300) : null;
    INDArray dy = gaussian(rng, 4, t, C);
    INDArray y1 = MoeNets.forward(single, x, mask, true).dup();
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> g1 = MoeNets.backward(single, dy);
    INDArray y2 = MoeNets.forward(parallel, x, mask, true).dup();
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> g2 = MoeNets.backward(parallel, dy);
    assertTrue(y2.equalsWithEps(y1, 1e-12), "forward differs by " + y2.sub(y1).amaxNumber());
    assertTrue(g2.getSecond().equalsWithEps(g1.getSecond(), 1e-12), "dx differs");
    for (String key : g1.getFirst().gradientForVariable().keySet()) {
      assertTrue(g2.getFirst().getGradientFor(key).equalsWithEps(g1.getFirst().getGradientFor(key), 1e-12),
          "gradient of " + key + " differs");
    }
  }

  @Property(tries = 15, seed = "20261124")
  void oneExpertTopOneEqualsADenseFfnForwardAndBackward(@ForAll FfnActivation act, @ForAll boolean renorm,
      @ForAll boolean masked, @ForAll long seed) {
    int t = 4;
    Layer moe = MoeNets.layer(base(1, 1).activation(act).renormalize(renorm).build(), C, t, seed);
    Layer dense = MoeNets.layer(new DenseFfn.Builder().hidden(5).activation(act).dataFormat(RNNFormat.NWC).build(),
        C, t, seed + 1);
    dense.getParam(DenseFfn.W1).assign(moe.getParam(MoeFfn.expertKey(0, MoeFfn.W1)));
    dense.getParam(DenseFfn.B1).assign(moe.getParam(MoeFfn.expertKey(0, MoeFfn.B1)));
    dense.getParam(DenseFfn.W2).assign(moe.getParam(MoeFfn.expertKey(0, MoeFfn.W2)));
    dense.getParam(DenseFfn.B2).assign(moe.getParam(MoeFfn.expertKey(0, MoeFfn.B2)));
    Random rng = new Random(seed);
    INDArray x = gaussian(rng, 2, t, C);
    INDArray mask = masked ? TestNets.rightPaddedMask(t, 4, 4) : null;
    INDArray yMoe = MoeNets.forward(moe, x, mask, true);
    INDArray yDense = MoeNets.forward(dense, x, mask, true);
    assertTrue(yMoe.equalsWithEps(yDense, 1e-12), "forward");
    INDArray dy = gaussian(rng, 2, t, C);
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> gm = MoeNets.backward(moe, dy);
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> gd = MoeNets.backward(dense, dy);
    assertTrue(gm.getSecond().equalsWithEps(gd.getSecond(), 1e-12), "input gradient");
    assertTrue(gm.getFirst().getGradientFor(MoeFfn.expertKey(0, MoeFfn.W1)).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.W1), 1e-12));
    assertTrue(gm.getFirst().getGradientFor(MoeFfn.expertKey(0, MoeFfn.W2)).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.W2), 1e-12));
    assertTrue(gm.getFirst().getGradientFor(MoeFfn.expertKey(0, MoeFfn.B1)).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.B1), 1e-12));
    assertTrue(gm.getFirst().getGradientFor(MoeFfn.expertKey(0, MoeFfn.B2)).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.B2), 1e-12));
  }

  @Property(tries = 15, seed = "20261124")
  void allExpertsWithSoftmaxEqualTheDenseSoftmaxMixture(@ForAll @IntRange(min = 1, max = 5) int e,
      @ForAll long seed) {
    int t = 3;
    Layer moe = MoeNets.layer(base(e, e).renormalize(false).build(), C, t, seed);
    Random rng = new Random(seed);
    INDArray x = gaussian(rng, 2, t, C);
    INDArray y = MoeNets.forward(moe, x, null, false).reshape('c', 2 * t, C);
    // Σ_e softmax(x Wr)_e · (gelu(x W1_e + b1_e) W2_e + b2_e), written out with plain ND4J ops
    INDArray rows = x.reshape('c', 2 * t, C);
    INDArray p = Transforms.softmax(rows.mmul(moe.getParam(MoeFfn.ROUTER)), true);
    INDArray expected = Nd4j.zeros(DataType.DOUBLE, 2 * t, C);
    for (int i = 0; i < e; i++) {
      INDArray pre = rows.mmul(moe.getParam(MoeFfn.expertKey(i, MoeFfn.W1)))
          .addRowVector(moe.getParam(MoeFfn.expertKey(i, MoeFfn.B1)));
      INDArray hid = pre.mul(Transforms.sigmoid(pre.mul(1.702), true));
      INDArray out = hid.mmul(moe.getParam(MoeFfn.expertKey(i, MoeFfn.W2)))
          .addRowVector(moe.getParam(MoeFfn.expertKey(i, MoeFfn.B2)));
      expected.addi(out.mulColumnVector(p.getColumn(i, true)));
    }
    assertTrue(y.equalsWithEps(expected, 1e-10), "dense mixture differs");
  }

  @Property(tries = 15, seed = "20261124")
  void withUnlimitedCapacityPermutingTokensPermutesOutputs(@ForAll @IntRange(min = 1, max = 6) int e,
      @ForAll @IntRange(min = 1, max = 6) int kSeed, @ForAll Gating gating, @ForAll long seed) {
    int k = 1 + (kSeed - 1) % e;
    int t = 7;
    Layer moe = MoeNets.layer(base(e, k).gating(gating).nShared(1).auxLossWeight(gating == Gating.RELU ? 0 : 0.01)
        .build(), C, t, seed);
    Random rng = new Random(seed);
    INDArray x = gaussian(rng, 1, t, C);
    int[] perm = {3, 0, 6, 1, 5, 2, 4};
    INDArray permuted = x.dup();
    for (int i = 0; i < t; i++) {
      permuted.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(i))
          .assign(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
              org.nd4j.linalg.indexing.NDArrayIndex.point(perm[i])));
    }
    INDArray y = MoeNets.forward(moe, x, null, true).dup();
    INDArray yp = MoeNets.forward(moe, permuted, null, true);
    for (int i = 0; i < t; i++) {
      INDArray a = yp.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(i));
      INDArray b = y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
          org.nd4j.linalg.indexing.NDArrayIndex.point(perm[i]));
      assertTrue(a.equalsWithEps(b, 1e-12), "position " + i);
    }
  }
}
