package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.layers.NonFiniteValueException;

/** Configuration errors, bad input, loss scaling, the bias rule, and round trips. */
class MoeBehaviourTest {
  private static final int C = 8;
  private static final int T = 6;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static void failsNaming(Runnable build, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void badConfigurationsFailAtBuildTime() {
    failsNaming(() -> new MoeFfn.Builder().nExperts(4).topK(5).expertHidden(8).build(), "topK = 5", "nExperts = 4");
    failsNaming(() -> new MoeFfn.Builder().nExperts(4).topK(0).expertHidden(8).build(), "topK = 0");
    failsNaming(() -> new MoeFfn.Builder().nExperts(0).topK(1).expertHidden(8).build(), "nExperts = 0");
    failsNaming(() -> new MoeFfn.Builder().nExperts(4).topK(1).expertHidden(8).capacityFactor(0).build(),
        "capacityFactor = 0.0");
    failsNaming(() -> new MoeFfn.Builder().nExperts(4).topK(1).expertHidden(8).capacityFactor(-1).build(),
        "capacityFactor = -1.0");
    failsNaming(() -> new MoeFfn.Builder().nExperts(4).topK(1).expertHidden(0).build(), "expertHidden = 0");
    // r must be below min(d, E): d = 8, E = 16, r = 8 is not low-rank; found when the width is known
    failsNaming(() -> new TransformerStack().width(C).heads(2)
        .ffn((b, d) -> new MoeFfn.Builder().nExperts(16).topK(2).expertHidden(4).routerRank(8).build()).build(),
        "routerRank = 8", "d = 8");
    failsNaming(() -> new MoeFfn.Builder().nIn(8).nExperts(4).topK(1).expertHidden(4).routerRank(4).build(),
        "routerRank = 4", "nExperts = 4");
  }

  /** Regression: the row-block dispatch refused the empty slot array ND4J makes when nothing is routed. */
  @Test
  void anAllPaddingBatchGivesZerosAndZeroGradients() {
    MoeFfn conf = new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(5).auxLossWeight(0.01)
        .dataFormat(RNNFormat.NWC).build();
    org.deeplearning4j.nn.api.Layer layer = MoeNets.layer(conf, 6, 3, 1);
    INDArray x = TestNets.randomSequence(new Random(2), RNNFormat.NWC, 2, 6, 3);
    INDArray y = MoeNets.forward(layer, x, org.nd4j.linalg.factory.Nd4j.zeros(2, 3), true);
    assertEquals(0.0, y.amaxNumber().doubleValue(), 0.0);
    INDArray dx = MoeNets.backward(layer, TestNets.randomSequence(new Random(3), RNNFormat.NWC, 2, 6, 3))
        .getSecond();
    assertEquals(0.0, dx.amaxNumber().doubleValue(), 0.0);
  }

  /** Regression: ND4J gives a one-row array strides [1, 1], which the row-block views refused. */
  @Test
  void aOneTokenBatchRunsForwardAndBackward() {
    MoeFfn conf = new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(5).dataFormat(RNNFormat.NWC).build();
    org.deeplearning4j.nn.api.Layer layer = MoeNets.layer(conf, 6, 1, 1);
    INDArray x = TestNets.randomSequence(new Random(2), RNNFormat.NWC, 1, 6, 1);
    INDArray y = MoeNets.forward(layer, x, null, true);
    assertTrue(y.amaxNumber().doubleValue() > 0);
    INDArray dx = MoeNets.backward(layer, TestNets.randomSequence(new Random(3), RNNFormat.NWC, 1, 6, 1))
        .getSecond();
    assertEquals(6, dx.length());
    assertTrue(dx.amaxNumber().doubleValue() > 0);
  }

  @Test
  void nonFiniteRouterLogitsNameTheLayer() {
    ComputationGraph net = MoeNets.graph(new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4)
        .dataFormat(RNNFormat.NWC).build(), C, T, 1);
    INDArray x = TestNets.randomSequence(new Random(1), RNNFormat.NWC, 2, C, T);
    // NaN weights with finite input: the router's own check names the expert and the row
    net.getLayer("layer").getParam(MoeFfn.ROUTER).putScalar(0, 1, Double.NaN);
    NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> net.outputSingle(x));
    assertTrue(e.getMessage().contains("layer") && e.getMessage().contains("router logit of expert 1"),
        e.getMessage());
    // NaN input is refused at the layer's boundary, before routing
    net.getLayer("layer").getParam(MoeFfn.ROUTER).putScalar(0, 1, 0.1);
    x.putScalar(new long[] {1, 2, 3}, Double.NaN);
    e = assertThrows(NonFiniteValueException.class, () -> net.outputSingle(x));
    assertTrue(e.getMessage().contains("layer") && e.getMessage().contains("input holds NaN"), e.getMessage());
  }

  @Test
  void auxAndZLossesEnterTheScoreRelativeToTheMeanPerTokenCrossEntropy() {
    double alpha = 0.01;
    double beta = 0.001;
    ComputationGraph net = MoeNets.graph(new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4)
        .auxLossWeight(alpha).zLossWeight(beta).dataFormat(RNNFormat.NWC).build(), C, T, 2);
    Random rng = new Random(2);
    int b = 3;
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, b, C, T);
    INDArray mask = TestNets.rightPaddedMask(T, T, 4, 2);
    net.setLayerMaskArrays(new INDArray[] {mask}, null);
    net.output(false, new INDArray[] {x}, new INDArray[] {mask});
    MoeFfnLayer layer = (MoeFfnLayer) net.getLayer("layer");
    var usage = layer.lastUsage().orElseThrow();
    int real = T + 4 + 2;
    assertEquals(real, usage.tokens());
    // DL4J's score is Σ_tokens CE / B; a per-token loss L enters it as L · N_real / B
    double perToken = alpha * usage.scalar("balance_loss") + usage.scalar("z_loss");
    assertEquals(perToken * real / b, layer.calcRegularizationScore(true), 1e-12);
    // z_t = logsumexp(x_t Wr) over the real tokens, computed here with plain ND4J ops
    double[] z = Transforms.log(Transforms.exp(x.reshape('c', (long) b * T, C).mmul(layer.getParam(MoeFfn.ROUTER)),
        true).sum(1), true).toDoubleVector();
    double[] isReal = mask.reshape(1, (long) b * T).toDoubleVector(); //                   [B, T] -> [1, N]
    double zSum = 0;
    double zSquared = 0;
    for (int t = 0; t < z.length; t++) {
      zSum += isReal[t] * z[t];
      zSquared += isReal[t] * z[t] * z[t];
    }
    assertEquals(zSum / real, usage.scalar("router_z"), 1e-12, "mean z");
    assertEquals(beta * zSquared / real, usage.scalar("z_loss"), 1e-12, "z-loss = β·mean z²");
  }

  @Test
  void balanceBiasMovesByExactlyGammaSignUnderAdamWeightDecayAndClipping() {
    double gamma = 1e-3;
    MoeFfn conf = new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4).lossFreeBalancing(true, gamma)
        .auxLossWeight(0.01).dataFormat(RNNFormat.NWC).build();
    // a real optimizer, weight decay and a tight clip: none of them may touch the bias
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(3).updater(new Adam(0.1))
        .weightDecay(0.5, true).gradientNormalization(GradientNormalization.ClipL2PerLayer)
        .gradientNormalizationThreshold(1e-4), conf, C, T, 3);
    Random rng = new Random(3);
    MoeFfnLayer layer = (MoeFfnLayer) net.getLayer("layer");
    for (int step = 0; step < 5; step++) {
      double[] before = layer.getParam(MoeFfn.BALANCE_BIAS).toDoubleVector();
      net.fit(new MultiDataSet(TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, T),
          TestNets.randomLabels(rng, RNNFormat.NWC, 2, 3, T)));
      long[] selected = layer.lastRouting().selected();
      double mean = java.util.Arrays.stream(selected).sum() / 4.0;
      double[] after = layer.getParam(MoeFfn.BALANCE_BIAS).toDoubleVector();
      for (int i = 0; i < 4; i++) {
        assertEquals(before[i] + gamma * Math.signum(mean - selected[i]), after[i], 1e-15, "expert " + i);
      }
    }
  }

  @Test
  void jsonAndModelSerializerKeepWeightsAndTheBalancingBias() throws Exception {
    ComputationGraphConfiguration conf = new TransformerStack().vocabSize(11).width(C).heads(2).blocks(2)
        .maxLength(T).base(TestNets.gradientCheckBase(4).updater(new Adam(1e-2)))
        .ffn((block, d) -> new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(6).nShared(block % 2)
            .routerRank(block == 0 ? 0 : 2).gating(block == 0 ? Gating.SOFTMAX : Gating.SIGMOID)
            .capacityFactor(1.5).overflow(Overflow.NEXT_BEST).auxLossWeight(0.01).zLossWeight(0.001)
            .lossFreeBalancing(true, 0.01).noisy(true, 7).build())
        .build();
    assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    Random rng = new Random(4);
    INDArray ids = TestNets.randomIds(rng, 3, T, 11).castTo(DataType.DOUBLE);
    for (int i = 0; i < 5; i++) {
      net.fit(new MultiDataSet(ids, TestNets.randomLabels(rng, RNNFormat.NWC, 3, 11, T)));
    }
    INDArray bias = net.getLayer(TransformerStack.ffnName(0)).getParam(MoeFfn.BALANCE_BIAS).dup();
    assertTrue(bias.norm2Number().doubleValue() > 0, "the bias moved");
    File file = Files.createTempFile("npffn-moe", ".zip").toFile();
    try {
      ModelSerializer.writeModel(net, file, true);
      ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
      assertEquals(net.params(), restored.params());
      assertArrayEquals(bias.toDoubleVector(),
          restored.getLayer(TransformerStack.ffnName(0)).getParam(MoeFfn.BALANCE_BIAS).toDoubleVector());
      assertEquals(net.outputSingle(ids), restored.outputSingle(ids));
    } finally {
      Files.deleteIfExists(file.toPath());
    }
  }
}
