package org.npffn.eval.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.moe.Gating;
import org.npffn.moe.MoeFfn;
import org.npffn.moe.MoeFfnLayer;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.routing.Routing;

/**
 * The masked oracle (every expert on every token, then the gates) and the sparse MoE layer compute the same
 * function, forward and backward with the gates held fixed, over every routing option.
 */
class MaskedMixtureOracleProperties {
  private static final int C = 6;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  @Property(tries = 40, seed = "20261124")
  void sparsePathEqualsTheDenseMaskedOracle(@ForAll @IntRange(min = 1, max = 6) int e,
      @ForAll @IntRange(min = 1, max = 6) int kSeed, @ForAll Gating gating, @ForAll FfnActivation act,
      @ForAll @IntRange(min = 0, max = 1) int shared, @ForAll @IntRange(min = 0, max = 2) int capacityMode,
      @ForAll boolean renorm, @ForAll boolean masked, @ForAll long seed) {
    int k = 1 + (kSeed - 1) % e;
    MoeFfn.Builder b = new MoeFfn.Builder().nExperts(e).topK(k).expertHidden(5).dataFormat(RNNFormat.NWC)
        .gating(gating).activation(act).nShared(shared).renormalize(renorm);
    if (capacityMode > 0 && gating != Gating.RELU) { //                          ReLU routing is dropless
      b.capacityFactor(0.6).overflow(capacityMode == 1 ? Overflow.DROP : Overflow.NEXT_BEST);
    }
    Random rng = new Random(seed);
    int t = 5;
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), b.build(), C, t, 3);
    net.initGradientsView();
    Layer layer = net.getLayer("layer");
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, 3, C, t);
    INDArray mask = masked ? TestNets.rightPaddedMask(t, 5, 2, 4) : null;
    layer.setMaskArray(mask);
    layer.setInput(x, mgr);
    INDArray y = layer.activate(true, mgr);
    Routing r = ((MoeFfnLayer) layer).lastRouting();
    MaskedMixtureOracle oracle = new MaskedMixtureOracle((MoeFfn) layer.conf().getLayer(), layer.paramTable());
    INDArray rowMask = mask == null ? null : mask.reshape('c', 15, 1);
    INDArray yOracle = oracle.forward(x.reshape('c', 15, C), MaskedMixtureOracle.gateMatrix(r, DataType.DOUBLE),
        rowMask);
    assertTrue(y.reshape('c', 15, C).equalsWithEps(yOracle, 1e-10), "forward differs");

    INDArray dy = TestNets.randomSequence(rng, RNNFormat.NWC, 3, C, t);
    Pair<Gradient, INDArray> g = layer.backpropGradient(dy, mgr);
    Map<String, INDArray> oracleGrads = new HashMap<>();
    for (int i = 0; i < e; i++) {
      for (String name : new String[] {MoeFfn.W1, MoeFfn.B1, MoeFfn.W2, MoeFfn.B2}) {
        oracleGrads.put(MoeFfn.expertKey(i, name), layer.getParam(MoeFfn.expertKey(i, name)).like());
      }
    }
    if (shared > 0) {
      for (String key : new String[] {MoeFfn.SHARED_W1, MoeFfn.SHARED_B1, MoeFfn.SHARED_W2, MoeFfn.SHARED_B2}) {
        oracleGrads.put(key, layer.getParam(key).like());
      }
    }
    INDArray dyRows = dy.reshape('c', 15, C).dup();
    if (rowMask != null) {
      dyRows.muliColumnVector(rowMask);
    }
    oracle.backward(dyRows, oracleGrads);
    for (Map.Entry<String, INDArray> en : oracleGrads.entrySet()) {
      INDArray sparse = g.getFirst().getGradientFor(en.getKey());
      assertTrue(sparse.equalsWithEps(en.getValue(), 1e-10), "gradient of " + en.getKey() + " differs");
    }
  }
}
