package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.UsageSnapshot;

/** ReLU routing (ReMoE): the output, the zero gates, the sparsity controller and the settings it refuses. */
class MoeReluProperties {
  private static final int C = 6;
  private static final int T = 5;
  private static final int B = 3;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static MoeFfn.Builder relu(int e, int k) {
    return new MoeFfn.Builder().nExperts(e).topK(k).expertHidden(5).gating(Gating.RELU).dataFormat(RNNFormat.NWC);
  }

  @Property(tries = 20, seed = "20261205")
  void theOutputIsTheSumOverPositiveGatesOfAPlainReference(@ForAll @IntRange(min = 1, max = 6) int e,
      @ForAll boolean masked, @ForAll long seed) {
    Layer moe = MoeNets.layer(relu(e, 1).build(), C, T, seed);
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
    // a shift b as the controller leaves it after some steps: every logit moves by it
    double shift = rng.nextDouble() - 0.5;
    moe.getParam(MoeFfn.RELU_SHIFT).assign(shift);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, 5, 2, 4) : null;
    INDArray y = MoeNets.forward(moe, x, mask, true).dup().reshape('c', (long) B * T, C);
    // Σ_e ReLU(x Wr + b)_e · (gelu(x W1_e + b1_e) W2_e + b2_e), written out with plain ND4J ops
    INDArray rows = x.reshape('c', (long) B * T, C);
    INDArray g = Transforms.relu(rows.mmul(moe.getParam(MoeFfn.ROUTER)).addi(shift), true);
    INDArray expected = Nd4j.zeros(DataType.DOUBLE, (long) B * T, C);
    for (int i = 0; i < e; i++) {
      INDArray pre = rows.mmul(moe.getParam(MoeFfn.expertKey(i, MoeFfn.W1)))
          .addRowVector(moe.getParam(MoeFfn.expertKey(i, MoeFfn.B1)));
      INDArray hid = pre.mul(Transforms.sigmoid(pre.mul(1.702), true));
      INDArray out = hid.mmul(moe.getParam(MoeFfn.expertKey(i, MoeFfn.W2)))
          .addRowVector(moe.getParam(MoeFfn.expertKey(i, MoeFfn.B2)));
      expected.addi(out.mulColumnVector(g.getColumn(i, true)));
    }
    if (mask != null) {
      expected.muliColumnVector(mask.reshape('c', (long) B * T, 1));
    }
    assertTrue(y.equalsWithEps(expected, 1e-10), "ReLU mixture differs by " + y.sub(expected).amaxNumber());
    UsageSnapshot usage = ((MoeFfnLayer) moe).lastUsage().orElseThrow();
    double positive = 0;
    for (int t = 0; t < B * T; t++) {
      for (int i = 0; mask == null || mask.getDouble(t / T, t % T) > 0 ? i < e : false; i++) {
        positive += g.getDouble(t, i) > 0 ? 1 : 0;
      }
    }
    assertEquals(1 - positive / (e * usage.tokens()), usage.scalar("relu_sparsity"), 1e-12, "realised sparsity");
    assertEquals(positive / usage.tokens(), usage.scalar("active_experts"), 1e-12, "active experts per token");
  }

  /** An expert's weights reach exactly the tokens whose gate for it is positive, and no other. */
  @Property(tries = 20, seed = "20261205")
  void aZeroGateContributesNothing(@ForAll @IntRange(min = 2, max = 6) int e, @ForAll long seed) {
    Layer moe = MoeNets.layer(relu(e, 1).build(), C, T, seed);
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
    int u = rng.nextInt(e);
    INDArray before = MoeNets.forward(moe, x, null, false).dup().reshape('c', (long) B * T, C);
    INDArray g = Transforms.relu(x.reshape('c', (long) B * T, C).mmul(moe.getParam(MoeFfn.ROUTER)), true);
    moe.getParam(MoeFfn.expertKey(u, MoeFfn.W2)).muli(1e3);
    moe.getParam(MoeFfn.expertKey(u, MoeFfn.B2)).addi(5);
    INDArray after = MoeNets.forward(moe, x, null, false).reshape('c', (long) B * T, C);
    int off = 0;
    for (int t = 0; t < B * T; t++) {
      boolean routed = g.getDouble(t, u) > 0;
      off += routed ? 0 : 1;
      assertEquals(!routed, after.getRow(t).equals(before.getRow(t)), "token " + t + ", gate " + g.getDouble(t, u));
    }
    Statistics.label("tokens off expert u").collect(off == 0 ? "none" : off == B * T ? "all" : "some");
  }

  /**
   * λ = λ0·α^n with n += sign((1 - k/E) - S) and b -= γ_b·sign((1 - k/E) - S) after each training step, under
   * Adam, weight decay and a tight clip (none may touch them): too dense (direction 1: every gate positive) raises
   * λ by α and lowers b by γ_b, too sparse (-1: none) the opposite, the target (0) holds both. Padding counts
   * nowhere: padded rows that would be dense do not move them.
   */
  @Property(tries = 12, seed = "20261205")
  void theControllerMovesLambdaByAlphaTowardsTheTarget(@ForAll @IntRange(min = -1, max = 1) int direction,
      @ForAll boolean masked, @ForAll long seed) {
    int e = 4;
    double shiftRate = 1e-4; // small beside the constructed logits (at least 0.1 from the kink on most rows)
    MoeFfn conf = relu(e, 1).reluSparsity(1e-3, 1.2).reluShift(shiftRate).build();
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed).updater(new Adam(1e-3))
        .weightDecay(0.5, true).gradientNormalization(GradientNormalization.ClipL2PerLayer)
        .gradientNormalizationThreshold(1e-4), conf, C, T, 3);
    MoeFfnLayer layer = (MoeFfnLayer) net.getLayer("layer");
    // real rows have positive features, padded rows negative ones; expert 0's router column is positive, the
    // others are negative (too sparse: S = 1 > 3/4), positive (dense: S = 0) or mixed with expert 0 alone
    // positive on real rows (S = 3/4, the target)
    Random rng = new Random(seed);
    INDArray wr = layer.getParam(MoeFfn.ROUTER);
    wr.assign(Transforms.abs(TestNets.gaussianLike(wr, seed)).addi(0.1));
    if (direction <= 0) {
      wr.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, e))
          .negi();
    }
    if (direction < 0) {
      wr.getColumn(0).negi();
    }
    INDArray x = Transforms.abs(TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, T), true);
    INDArray mask = null;
    if (masked) {
      mask = TestNets.rightPaddedMask(T, 3, 5);
      for (int t = 3; t < T; t++) {
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(t)).negi();
      }
    }
    double alpha = 1.2;
    for (int step = 1; step <= 3; step++) {
      double lambdaBefore = ReluSparsity.lambda(conf, layer.getParam(MoeFfn.RELU_EXPONENT));
      net.fit(new MultiDataSet(new INDArray[] {x}, new INDArray[] {TestNets.randomLabels(rng, RNNFormat.NWC, 2, 3, T)},
          mask == null ? null : new INDArray[] {mask}, mask == null ? null : new INDArray[] {mask}));
      UsageSnapshot usage = layer.lastUsage().orElseThrow();
      assertEquals(lambdaBefore, usage.scalar("relu_lambda"), 1e-18, "the pass reports the λ it used");
      double expectedSparsity = direction > 0 ? 0 : direction == 0 ? 0.75 : 1;
      assertEquals(expectedSparsity, usage.scalar("relu_sparsity"), 0, "the constructed sparsity");
      assertEquals(direction * step, layer.getParam(MoeFfn.RELU_EXPONENT).getDouble(0), 0, "exponent n");
      assertEquals(-direction * step * shiftRate, layer.getParam(MoeFfn.RELU_SHIFT).getDouble(0), 1e-15, "shift b");
      double lambda = ReluSparsity.lambda(conf, layer.getParam(MoeFfn.RELU_EXPONENT));
      assertEquals(lambdaBefore * Math.pow(alpha, direction), lambda, 1e-15, "λ moves by α^sign");
    }
  }

  /**
   * Why the shift exists: a layer whose gates are all closed gets no gradient through its ReLUs, so the paper's
   * controller (γ_b = 0) can only divide λ down while the layer stays shut; with γ_b > 0 the shift rises until
   * gates open. Every router logit starts negative, at most about 3 from 0 (x in [0.1, 1.1], each weight of W_r
   * -(|N(0,1)| + 0.1)/C); at γ_b = 0.3 the shift passes 3.6 in 12 steps.
   */
  @Property(tries = 8, seed = "20261205")
  void onlyTheShiftReopensGatesTheTaskClosed(@ForAll boolean withShift, @ForAll long seed) {
    int e = 4;
    MoeFfn conf = relu(e, 1).reluSparsity(1e-3, 1.2).reluShift(withShift ? 0.3 : 0).build();
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed).updater(new Adam(1e-2)), conf, C,
        T, 3);
    MoeFfnLayer layer = (MoeFfnLayer) net.getLayer("layer");
    INDArray wr = layer.getParam(MoeFfn.ROUTER);
    wr.assign(Transforms.abs(TestNets.gaussianLike(wr, seed)).addi(0.1).negi().divi(C));
    Random rng = new Random(seed);
    INDArray x = Transforms.abs(TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, T), true).divi(
        Transforms.abs(TestNets.randomSequence(rng, RNNFormat.NWC, 2, C, T), true).maxNumber()).addi(0.1);
    // the least sparsity of any step: once gates reopen, the controllers may close some again
    double sparsity = 1;
    for (int step = 0; step < 12; step++) {
      net.fit(new MultiDataSet(new INDArray[] {x},
          new INDArray[] {TestNets.randomLabels(rng, RNNFormat.NWC, 2, 3, T)}));
      sparsity = Math.min(sparsity, layer.lastUsage().orElseThrow().scalar("relu_sparsity"));
    }
    if (withShift) {
      assertTrue(sparsity < 1, "the shift reopened no gate in 12 steps: b = "
          + layer.getParam(MoeFfn.RELU_SHIFT).getDouble(0));
    } else {
      assertEquals(1, sparsity, 0, "without the shift a shut layer stays shut");
      assertEquals(-12, layer.getParam(MoeFfn.RELU_EXPONENT).getDouble(0), 0, "λ divided by α every step");
    }
  }

  /**
   * The slot buffers grow and never shrink (ScratchBuffers#rowCapacity): a layer whose buffers a denser pass
   * (more routed pairs) sized gives the same outputs and gradients on a sparser pass as a fresh layer.
   */
  @Property(tries = 6, seed = "20261205")
  void reusedGrowOnlyBuffersGiveWhatFreshOnesGive(@ForAll boolean masked, @ForAll long seed) {
    // α = 1 and γ_b = 0 hold λ and the shift, which the reused layer's first backward would otherwise move
    MoeFfn conf = relu(5, 2).nShared(1).reluSparsity(0.05, 1.0).reluShift(0).build();
    Layer reused = MoeNets.layer(conf, C, T, seed);
    Layer fresh = MoeNets.layer(conf, C, T, seed);
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
    INDArray dy = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, 5, 2, 4) : null;
    // x and -x route each token to complementary experts: the denser of the two runs first on the reused layer
    INDArray negated = x.neg();
    Layer probe = MoeNets.layer(conf, C, T, seed);
    boolean xDenser = slots(probe, x) >= slots(probe, negated);
    INDArray first = xDenser ? x : negated;
    INDArray second = xDenser ? negated : x;
    MoeNets.forward(reused, first, null, true);
    MoeNets.backward(reused, dy);
    INDArray yReused = MoeNets.forward(reused, second, mask, true).dup();
    var gReused = MoeNets.backward(reused, dy);
    INDArray yFresh = MoeNets.forward(fresh, second, mask, true).dup();
    var gFresh = MoeNets.backward(fresh, dy);
    assertTrue(yReused.equalsWithEps(yFresh, 1e-12), "forward");
    assertTrue(gReused.getSecond().equalsWithEps(gFresh.getSecond(), 1e-12), "dx");
    for (String key : gFresh.getFirst().gradientForVariable().keySet()) {
      assertTrue(gReused.getFirst().getGradientFor(key).equalsWithEps(gFresh.getFirst().getGradientFor(key), 1e-12),
          key);
    }
  }

  private static int slots(Layer layer, INDArray x) {
    MoeNets.forward(layer, x, null, false);
    return ((MoeFfnLayer) layer).lastRouting().slots();
  }

  @Example
  void settingsReluRoutingCannotHonourFailNamingTheField() {
    assertRefused("capacityFactor", () -> relu(4, 2).capacityFactor(1.0).build());
    assertRefused("noisy", () -> relu(4, 2).noisy(true, 1).build());
    assertRefused("auxLossWeight", () -> relu(4, 2).auxLossWeight(0.01).build());
    assertRefused("lossFreeBalancing", () -> relu(4, 2).lossFreeBalancing(true, 1e-3).build());
    assertRefused("reluLambda0", () -> relu(4, 2).reluSparsity(-1, 1.2).build());
    assertRefused("reluRate", () -> relu(4, 2).reluSparsity(1e-8, 0.9).build());
    assertRefused("reluShiftRate", () -> relu(4, 2).reluShift(-1e-3).build());
    assertRefused("reluShiftRate", () -> relu(4, 2).reluShift(Double.NaN).build());
  }

  private static void assertRefused(String field, org.junit.jupiter.api.function.Executable build) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, build);
    assertTrue(ex.getMessage().contains(field), ex.getMessage());
  }
}
