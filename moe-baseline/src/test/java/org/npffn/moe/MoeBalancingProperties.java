package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.TestNets;
import org.npffn.stack.ffn.UsageAccumulator;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.routing.Routing;

/** Auxiliary-loss-free balancing (Wang et al. 2024) on a skewed synthetic token stream. */
class MoeBalancingProperties {
  private static final int C = 8;
  private static final int E = 8;
  private static final int T = 32;

  @BeforeContainer
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  /**
   * A skewed stream of token types: type c has its own direction e_c, and three quarters of all tokens are type 0.
   * With the router set to 2·I, each type prefers its own expert, so expert 0 starts with most of the load
   * (MaxVio about 2 for E = 8, k = 2).
   */
  private static INDArray skewedBatch(Random rng) {
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 4, T, C);
    for (int b = 0; b < 4; b++) {
      for (int t = 0; t < T; t++) {
        int type = rng.nextInt(4) != 0 ? 0 : 1 + rng.nextInt(C - 1);
        for (int j = 0; j < C; j++) {
          x.putScalar(new long[] {b, t, j}, (j == type ? 1.0 : 0.0) + 0.5 * rng.nextGaussian());
        }
      }
    }
    return x;
  }

  private static UsageSnapshot globalUsage(Layer layer, INDArray[] evalBatches) {
    UsageAccumulator acc = new UsageAccumulator("moe");
    for (INDArray x : evalBatches) {
      MoeNets.forward(layer, x, null, false);
      acc.add(((MoeFfnLayer) layer).lastUsage().orElseThrow());
    }
    return acc.snapshot();
  }

  @Property(tries = 4, seed = "20261124")
  void lossFreeBiasHalvesMaxVioWithin300StepsWhileGatesStayUnbiased(@ForAll long seed) {
    MoeFfn conf = new MoeFfn.Builder().nExperts(E).topK(2).expertHidden(4).lossFreeBalancing(true, 0.01)
        .dataFormat(RNNFormat.NWC).build();
    Layer layer = MoeNets.layer(conf, C, T, seed);
    Random rng = new Random(seed);
    INDArray router = layer.getParam(MoeFfn.ROUTER);
    router.assign(Nd4j.eye(C).muli(2.0));
    INDArray[] eval = {skewedBatch(rng), skewedBatch(rng)};
    double before = globalUsage(layer, eval).maxVio();

    for (int step = 0; step < 300; step++) {
      INDArray x = skewedBatch(rng);
      MoeNets.forward(layer, x, null, true);
      MoeNets.backward(layer, Nd4j.zeros(DataType.DOUBLE, 4, T, C)); // only the bias rule moves anything
    }
    UsageSnapshot after = globalUsage(layer, eval);
    assertTrue(before > 1.5, "the stream must start skewed, MaxVio " + before);
    assertTrue(after.maxVio() < 0.5 * before, "MaxVio " + before + " -> " + after.maxVio());

    // Gates use the unbiased softmax: g = p_e / Σ_{chosen} p, whatever the bias did to the choice
    double[] b = layer.getParam(MoeFfn.BALANCE_BIAS).toDoubleVector();
    assertTrue(java.util.Arrays.stream(b).map(Math::abs).max().orElse(0) > 0.05, "the bias must have moved");
    INDArray x = eval[0];
    MoeNets.forward(layer, x, null, false);
    Routing r = ((MoeFfnLayer) layer).lastRouting();
    INDArray p = org.nd4j.linalg.ops.transforms.Transforms.softmax(x.reshape('c', 4 * T, C).mmul(router), true);
    for (int t = 0; t < 4 * T; t++) {
      int e0 = r.choiceExpert()[2 * t];
      int e1 = r.choiceExpert()[2 * t + 1];
      double z = p.getDouble(t, e0) + p.getDouble(t, e1);
      assertEquals(p.getDouble(t, e0) / z, r.choiceGate()[2 * t], 1e-9);
      assertEquals(p.getDouble(t, e1) / z, r.choiceGate()[2 * t + 1], 1e-9);
    }
  }
}
