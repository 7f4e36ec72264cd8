package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.attention.CausalSelfAttentionLayer;

/** The attention weights are a distribution over exactly the positions a query may see. */
class AttentionProperties {

  @Property(tries = 40, seed = "20261124")
  void weightsAreADistributionOverTheAllowedPositions(@ForAll @IntRange(min = 1, max = 3) int b,
      @ForAll @IntRange(min = 1, max = 9) int t, @ForAll @IntRange(min = 1, max = 3) int heads,
      @ForAll boolean causal, @ForAll boolean masked, @ForAll RNNFormat format, @ForAll long seed) {
    int c = 2 * heads;
    Random rng = new Random(seed);
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), new CausalSelfAttention.Builder()
        .nHeads(heads).causal(causal).dataFormat(format).build(), c, t, 3);
    CausalSelfAttentionLayer layer = (CausalSelfAttentionLayer) net.getLayer("layer");
    int[] lengths = new int[b];
    for (int i = 0; i < b; i++) {
      lengths[i] = masked ? 1 + rng.nextInt(t) : t;
    }
    INDArray mask = masked ? TestNets.rightPaddedMask(t, lengths).castTo(DataType.DOUBLE) : null;
    layer.setMaskArray(mask);
    layer.activate(TestNets.randomSequence(rng, format, b, c, t).castTo(DataType.DOUBLE), false,
        LayerWorkspaceMgr.noWorkspaces());
    INDArray w = layer.attentionWeights(); // [B, nh, T, T]
    for (int i = 0; i < b; i++) {
      for (int h = 0; h < heads; h++) {
        for (int q = 0; q < lengths[i]; q++) {
          double sum = 0;
          for (int k = 0; k < t; k++) {
            double p = w.getDouble(i, h, q, k);
            boolean allowed = k < lengths[i] && (!causal || k <= q);
            if (allowed) {
              sum += p;
              assertTrue(p >= 0 && p <= 1, "weight " + p);
            } else {
              assertEquals(0.0, p, 0.0, "query " + q + " gives weight to blocked key " + k);
            }
          }
          assertEquals(1.0, sum, 1e-12, "weights of query " + q + " sum to " + sum);
        }
      }
    }
  }

  /** The causal bias is kept between forwards and rebuilt when T changes: one layer over T = 9, 4, 9 still blocks. */
  @Property(tries = 10, seed = "20261204")
  void causalMaskingHoldsWhenTheLengthChangesBetweenCalls(@ForAll @IntRange(min = 2, max = 9) int shorter,
      @ForAll long seed) {
    Random rng = new Random(seed);
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), new CausalSelfAttention.Builder()
        .nHeads(2).causal(true).dataFormat(RNNFormat.NWC).build(), 4, 9, 3);
    CausalSelfAttentionLayer layer = (CausalSelfAttentionLayer) net.getLayer("layer");
    for (int t : new int[] {9, shorter, 9, shorter}) {
      layer.setMaskArray(null);
      layer.activate(TestNets.randomSequence(rng, RNNFormat.NWC, 2, 4, t).castTo(DataType.DOUBLE), false,
          LayerWorkspaceMgr.noWorkspaces());
      INDArray w = layer.attentionWeights(); // [B, nh, T, T]
      for (int q = 0; q < t; q++) {
        for (int k = q + 1; k < t; k++) {
          assertEquals(0.0, w.getDouble(1, 1, q, k), 0.0, "T = " + t + ": query " + q + " sees key " + k);
        }
        assertTrue(w.getDouble(1, 1, q, q) > 0, "T = " + t + ": query " + q + " sees itself");
      }
    }
  }
}
