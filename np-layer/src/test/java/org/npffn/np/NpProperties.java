package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.DenseFfn;

/** Properties of the Neural-Process FFN. */
class NpProperties {
  private static final int C = 6;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static NpFfn conf(ContextMode mode, GroupGating gating, boolean u, boolean decay) {
    return new NpFfn.Builder().hidden(8).groups(4).contextWidth(3).selectorRank(2).contextMode(mode)
        .gating(gating).contextProjection(u).decay(decay).dataFormat(RNNFormat.NWC).build();
  }

  private static INDArray positions(INDArray seq, int b, int from, int to) {
    return seq.get(NDArrayIndex.point(b), NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }

  @Property(tries = 30, seed = "20261124")
  void changingHAfterTLeavesYUpToTUnchanged(@ForAll ContextMode mode, @ForAll GroupGating gating,
      @ForAll boolean u, @ForAll boolean decay, @ForAll @IntRange(min = 2, max = 8) int t,
      @ForAll @IntRange(min = 0, max = 6) int cutSeed, @ForAll long seed) {
    int cut = cutSeed % (t - 1);
    Layer layer = NpNets.graph(conf(mode, gating, u, decay), C, t, seed, true).getLayer("layer");
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, t);
    INDArray changed = x.dup();
    positions(changed, 0, cut + 1, t).addi(1.0);
    INDArray y = NpNets.forward(layer, x, null, false).dup();
    INDArray y2 = NpNets.forward(layer, changed, null, false);
    assertTrue(positions(y, 0, 0, cut + 1).equalsWithEps(positions(y2, 0, 0, cut + 1), 1e-12));
    assertTrue(positions(y, 1, 0, t).equalsWithEps(positions(y2, 1, 0, t), 1e-12),
        "another sequence (document) of the batch is untouched");
  }

  @Property(tries = 200)
  void theContextMeanIsInvariantToPermutationsOfTheContextPoints(@ForAll @IntRange(min = 1, max = 12) int t,
      @ForAll @IntRange(min = 1, max = 4) int width, @ForAll long seed) {
    Random rng = new Random(seed);
    double[] e = new double[t * width];
    for (int i = 0; i < e.length; i++) {
      e[i] = rng.nextGaussian();
    }
    boolean[] point = new boolean[t];
    java.util.Arrays.fill(point, true);
    double[] prior = {0.3, -0.2, 0.1, 0.5};
    double[] r = ContextAggregator.forward(e, point, 1, t, width, prior, null).r();
    // shuffle the points (rows) and compare the summary of the full context
    double[] shuffled = e.clone();
    for (int i = t - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      for (int c = 0; c < width; c++) {
        double tmp = shuffled[i * width + c];
        shuffled[i * width + c] = shuffled[j * width + c];
        shuffled[j * width + c] = tmp;
      }
    }
    double[] r2 = ContextAggregator.forward(shuffled, point, 1, t, width, prior, null).r();
    for (int c = 0; c < width; c++) {
      assertEquals(r[(t - 1) * width + c], r2[(t - 1) * width + c], 1e-12);
      double mean = prior[c];
      for (int i = 0; i < t; i++) {
        mean += e[i * width + c];
      }
      assertEquals(mean / (t + 1), r[(t - 1) * width + c], 1e-12, "r_t = (r_0 + Σ e) / (n + 1)");
    }
  }

  @Property(tries = 12, seed = "20261124")
  void withSelectorZeroAndUOffTheLayerIsTheDenseFfnForwardAndBackward(@ForAll ContextMode mode,
      @ForAll GroupGating gating, @ForAll boolean masked, @ForAll long seed) {
    int t = 5;
    Layer np = NpNets.graph(conf(mode, gating, false, false), C, t, seed, false).getLayer("layer");
    ComputationGraph denseNet = TestNets.singleLayer(TestNets.gradientCheckBase(seed + 1),
        new DenseFfn.Builder().hidden(8).dataFormat(RNNFormat.NWC).build(), C, t, 3);
    denseNet.initGradientsView();
    Layer dense = denseNet.getLayer("layer");
    dense.getParam(DenseFfn.W1).assign(np.getParam(NpFfn.W_UP));
    dense.getParam(DenseFfn.B1).assign(np.getParam(NpFfn.B_UP));
    dense.getParam(DenseFfn.W2).assign(np.getParam(NpFfn.W_DOWN));
    dense.getParam(DenseFfn.B2).assign(np.getParam(NpFfn.B_DOWN));
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, t);
    INDArray mask = masked ? TestNets.rightPaddedMask(t, 5, 3) : null;
    INDArray yNp = NpNets.forward(np, x, mask, true).dup();
    INDArray yDense = NpNets.forward(dense, x, mask, true);
    if (mask != null) {
      yDense = yDense.mul(mask.reshape(2, t, 1));
    }
    assertTrue(yNp.equalsWithEps(yDense, 1e-12), "forward");
    INDArray dy = TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, t);
    if (mask != null) {
      dy.muli(mask.reshape(2, t, 1));
    }
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> gn = np.backpropGradient(dy,
        LayerWorkspaceMgr.noWorkspaces());
    Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> gd = dense.backpropGradient(dy,
        LayerWorkspaceMgr.noWorkspaces());
    assertTrue(gn.getSecond().equalsWithEps(gd.getSecond(), 1e-12), "input gradient");
    assertTrue(gn.getFirst().getGradientFor(NpFfn.W_UP).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.W1), 1e-12));
    assertTrue(gn.getFirst().getGradientFor(NpFfn.W_DOWN).equalsWithEps(gd.getFirst().getGradientFor(DenseFfn.W2),
        1e-12));
  }

  @Property(tries = 15, seed = "20261124")
  void inferenceTopKWithKEqualToMEqualsTheDensePath(@ForAll ContextMode mode, @ForAll GroupGating gating,
      @ForAll boolean u, @ForAll boolean renormalise, @ForAll boolean masked, @ForAll long seed) {
    int t = 6;
    NpFfnLayer layer = (NpFfnLayer) NpNets.graph(conf(mode, gating, u, false), C, t, seed, true).getLayer("layer");
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, 3, C, t);
    INDArray mask = masked ? TestNets.rightPaddedMask(t, 6, 2, 4) : null;
    INDArray dense = NpNets.forward(layer, x, mask, false).dup();
    layer.setInferenceTopK(4, renormalise);
    INDArray sparse = NpNets.forward(layer, x, mask, false);
    assertTrue(dense.equalsWithEps(sparse, 1e-10), "k = M through the per-group dispatch");
    assertEquals(3 * t - (masked ? 6 : 0) , layer.lastUsage().orElseThrow().tokens());
    // top-1 against the groups' own outputs: with the selector's output factor at zero every scale is 1
    // (M·1/M, or 1 + tanh 0), so every token keeps group 0 (ties go to the lower index) with gate 1, or the
    // token's total scale M when renormalised (b_down made non-zero, so a lost or doubled bias shows)
    layer.getParam(gating == GroupGating.SOFTMAX ? NpFfn.A_OUT : NpFfn.FILM).assign(0);
    layer.getParam(NpFfn.B_DOWN).assign(TestNets.randomSequence(rng, RNNFormat.NWC, 1, C, 1).reshape(1, C));
    layer.setInferenceTopK(0, renormalise);
    NpNets.forward(layer, x, mask, false);
    INDArray expected = layer.unitOutput(0).muli(renormalise ? 4 : 1).addiRowVector(layer.getParam(NpFfn.B_DOWN));
    if (mask != null) {
      expected.muliColumnVector(mask.reshape('c', 3L * t, 1));
    }
    layer.setInferenceTopK(1, renormalise);
    INDArray top1 = NpNets.forward(layer, x, mask, false).dup().reshape('c', 3L * t, C); //              [N, C]
    double[] load = layer.lastUsage().orElseThrow().load();
    assertEquals(3 * t - (masked ? 6 : 0), java.util.Arrays.stream(load).sum(), 1e-9, "one group per token");
    assertEquals(3 * t - (masked ? 6 : 0), load[0], 1e-9, "the tie goes to group 0");
    assertTrue(expected.equalsWithEps(top1, 1e-10), "top-1 is b_down + gate · group 0's output");
  }

  @Property(tries = 6, seed = "20261124")
  void aLengthOneSequenceInTransitionModeUsesThePriorAlone(@ForAll boolean u, @ForAll long seed) {
    Layer layer = NpNets.graph(conf(ContextMode.TRANSITION, GroupGating.SOFTMAX, u, false), C, 1, seed, true)
        .getLayer("layer");
    INDArray x = TestNets.randomSequence(new Random(seed), RNNFormat.NWC, 2, C, 1);
    INDArray y = NpNets.forward(layer, x, null, false).dup();
    layer.getParam(NpFfn.PHI_B2).addi(10.0); // φ's output cannot matter: there is no context point yet
    INDArray y2 = NpNets.forward(layer, x, null, false);
    assertTrue(y.equalsWithEps(y2, 1e-12));
    layer.getParam(NpFfn.PRIOR).addi(1.0); // the prior does
    assertTrue(!y.equalsWithEps(NpNets.forward(layer, x, null, false), 1e-9));
  }

  @Property(tries = 4, seed = "20261124")
  void jsonAndModelSerializerRoundTrips(@ForAll ContextMode mode, @ForAll GroupGating gating,
      @ForAll long seed) throws Exception {
    int t = 5;
    ComputationGraphConfiguration conf = new TransformerStack().vocabSize(11).width(C).heads(2).blocks(2)
        .maxLength(t).base(TestNets.gradientCheckBase(seed).updater(new Adam(1e-2)))
        .ffn((block, d) -> new NpFfn.Builder().hidden(8).groups(4).contextWidth(3).contextMode(mode)
            .gating(gating).decay(block == 1).build())
        .build();
    assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, 3, t, 11).castTo(DataType.DOUBLE);
    net.fit(new MultiDataSet(ids, TestNets.randomLabels(rng, RNNFormat.NWC, 3, 11, t)));
    File file = Files.createTempFile("npffn-np", ".zip").toFile();
    try {
      ModelSerializer.writeModel(net, file, true);
      ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
      assertEquals(net.params(), restored.params());
      assertEquals(net.outputSingle(ids), restored.outputSingle(ids));
    } finally {
      Files.deleteIfExists(file.toPath());
    }
  }

  @Property(tries = 1)
  void badConfigurationsFail() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NpFfn.Builder().hidden(10).groups(4).contextWidth(3).build());
    assertTrue(e.getMessage().contains("groups = 4") && e.getMessage().contains("hidden = 10"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NpFfn.Builder().hidden(8).groups(4).contextWidth(3).selectorRank(0).build());
    assertTrue(e.getMessage().contains("selectorRank = 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NpFfn.Builder().hidden(8).groups(4).contextWidth(-1).build());
    assertTrue(e.getMessage().contains("contextWidth = -1"), e.getMessage());
    NpFfnLayer layer = (NpFfnLayer) NpNets.graph(conf(ContextMode.TOKEN, GroupGating.SOFTMAX, true, false), C, 3,
        1, false).getLayer("layer");
    e = assertThrows(IllegalArgumentException.class, () -> layer.setInferenceTopK(5, true));
    assertTrue(e.getMessage().contains("topK = 5") && e.getMessage().contains("groups = 4"), e.getMessage());
  }
}
