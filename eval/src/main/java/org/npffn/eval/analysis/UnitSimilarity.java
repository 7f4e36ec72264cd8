package org.npffn.eval.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.eval.data.TokenBatch;
import org.npffn.stack.ffn.UnitOutputs;

/**
 * How alike a layer's units are: the mean pairwise cosine similarity of the units' ungated outputs on the
 * same real tokens, mean over tokens t and pairs u &lt; v of cos(y_u(x_t), y_v(x_t)). Near 1: the experts or
 * groups compute nearly the same function (what is reported for early-layer experts of trained MoEs); near
 * 0: unrelated functions.
 *
 * <p>With unit outputs normalised to ŷ_u, Σ_{u&lt;v} ŷ_u·ŷ_v = (‖Σ_u ŷ_u‖² − U) / 2, so each token costs one
 * sum and one norm rather than U² dot products.
 */
public final class UnitSimilarity {
  private UnitSimilarity() {}

  /** Per layer that has units: the mean pairwise cosine similarity over the real tokens of {@code batches}. */
  public static Map<String, Double> measure(ComputationGraph net, List<String> ffnLayers, List<TokenBatch> batches) {
    Map<String, double[]> sums = new LinkedHashMap<>(); // layer -> {Σ over tokens of the mean pair cosine, tokens}
    for (TokenBatch b : batches) {
      // every vertex's activation (detached), then each FFN layer run alone on its own input, so the layer
      // holds that pass when its units are asked for their outputs
      net.setLayerMaskArrays(new INDArray[] {b.mask()}, null);
      Map<String, INDArray> acts = net.feedForward(new INDArray[] {b.ids()}, false, false);
      INDArray real = b.mask().reshape('c', b.mask().length(), 1); //                               [N, 1]
      for (String name : ffnLayers) {
        Layer layer = net.getLayer(name);
        if (layer instanceof UnitOutputs units && units.units() > 1) {
          String from = net.getConfiguration().getVertexInputs().get(name).get(0);
          layer.setInput(acts.get(from), LayerWorkspaceMgr.noWorkspaces());
          layer.setMaskArray(b.mask());
          layer.activate(false, LayerWorkspaceMgr.noWorkspaces());
          double[] acc = sums.computeIfAbsent(name, k -> new double[2]);
          acc[0] += pairCosineSum(units, real);
          acc[1] += real.sumNumber().doubleValue();
          layer.clear();
        }
      }
      net.clearLayerMaskArrays();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    sums.forEach((layer, acc) -> out.put(layer, acc[1] == 0 ? Double.NaN : acc[0] / acc[1]));
    return out;
  }

  /** Σ over real tokens of the mean pairwise cosine of the units' outputs at that token. */
  static double pairCosineSum(UnitOutputs units, INDArray real) {
    int count = units.units();
    INDArray sum = null; //                                                                      [N, C]
    for (int u = 0; u < count; u++) {
      INDArray y = units.unitOutput(u).castTo(DataType.DOUBLE);
      INDArray norm = y.norm2(1).reshape(y.size(0), 1).addi(1e-12); //                            [N, 1]
      y.diviColumnVector(norm);
      sum = sum == null ? y : sum.addi(y);
    }
    INDArray sq = sum.mul(sum).sum(1).reshape(sum.size(0), 1); //                                  [N, 1]
    INDArray perToken = sq.subi(count).divi((double) count * (count - 1)); // mean over the U(U−1)/2 pairs
    return perToken.muli(real.castTo(perToken.dataType())).sumNumber().doubleValue();
  }
}
