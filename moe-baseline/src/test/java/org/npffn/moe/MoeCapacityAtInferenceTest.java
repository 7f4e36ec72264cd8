package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.routing.Overflow;

/**
 * How expert capacity applies at inference (docs/moe.md, "Capacity applies to training passes only"): by default
 * an inference pass drops nothing, so it equals the same MoE without a capacity; with capacityAtInference a
 * pass's tokens compete, yet a one-token step at batch size 1 still drops nothing.
 */
class MoeCapacityAtInferenceTest {
  private static final int WIDTH = 6;
  private static final int T = 8;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static MoeFfn.Builder binding() {
    return new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4).capacityFactor(0.5).overflow(Overflow.DROP)
        .dataFormat(RNNFormat.NWC);
  }

  /** The layer of {@code conf}, holding the parameters of {@code like} when given (same parameter layout). */
  private static Layer layer(MoeFfn conf, Layer like) {
    Layer l = MoeNets.layer(conf, WIDTH, T, 5);
    INDArray p = like == null ? l.params() : like.params();
    if (like == null) {
      p.addi(TestNets.gaussianLike(p, 9).muli(0.5));
    } else {
      l.setParams(p.dup());
    }
    return l;
  }

  private static double dropped(Layer l) {
    return ((UsageReporting) l).lastUsage().orElseThrow().droppedFraction();
  }

  @Test
  void byDefaultInferenceDropsNothingAndEqualsTheMoeWithoutCapacity() {
    Layer capped = layer(binding().build(), null);
    Layer unlimited = layer(new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4).dataFormat(RNNFormat.NWC)
        .build(), capped);
    INDArray x = TestNets.randomSequence(new Random(3), RNNFormat.NWC, 3, WIDTH, T);

    MoeNets.forward(capped, x, null, true);
    assertTrue(dropped(capped) > 0, "the capacity binds in training: the test needs it to");
    INDArray y = MoeNets.forward(capped, x, null, false).dup();
    assertEquals(0.0, dropped(capped), "inference dropped token-slots");
    assertEquals(0.0, y.sub(MoeNets.forward(unlimited, x, null, false)).amaxNumber().doubleValue(), 1e-12);
  }

  @Test
  void withCapacityAtInferenceAPassDropsButAOneTokenStepAtBatchOneDoesNot() {
    Layer capped = layer(binding().capacityAtInference(true).build(), null);
    Layer unlimited = layer(new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(4).dataFormat(RNNFormat.NWC)
        .build(), capped);
    INDArray x = TestNets.randomSequence(new Random(4), RNNFormat.NWC, 1, WIDTH, T);

    MoeNets.forward(capped, x, null, false);
    assertTrue(dropped(capped) > 0, "a whole pass at inference should compete for capacity");

    INDArray full = MoeNets.forward(unlimited, x, null, false).dup();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    ((RecurrentLayer) capped).rnnClearPreviousState();
    for (int t = 0; t < T; t++) {
      INDArray token = x.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1), NDArrayIndex.all()).dup();
      INDArray y = ((RecurrentLayer) capped).rnnTimeStep(token, mgr);
      assertEquals(0.0, dropped(capped), "step " + t + " dropped a token-slot");
      double diff = y.sub(full.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1), NDArrayIndex.all()))
          .amaxNumber().doubleValue();
      assertTrue(diff <= 1e-12, "step " + t + " differs from the uncapped layer by " + diff);
    }
  }
}
