package org.npffn.moe;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.routing.Routing;

/**
 * Auxiliary-loss-free balancing (Wang et al. 2024, Algorithm 1): a per-expert bias b that steers selection
 * only, q + b chooses the experts while the gates keep the unbiased q; after each training step
 * b_i += γ·sign(mean load - load_i), with the loads counted before capacity.
 *
 * <p>b is a parameter, so ModelSerializer saves it, but the rule moves it directly: its gradient slot stays 0
 * and its updater is NoOp, so no updater, clipping or weight decay can touch the rule.
 */
final class LossFreeBias {
  private LossFreeBias() {}

  /** The selection scores q + b, [N·E] row-major (a new array). */
  static double[] selection(double[] scores, INDArray bias, int n, int e) {
    double[] b = bias.toDoubleVector();
    double[] selection = scores.clone();
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < e; i++) {
        selection[t * e + i] += b[i];
      }
    }
    return selection;
  }

  /** b_i += γ·sign(mean load - load_i), straight into the parameter; the gradient slot gets 0. */
  static void update(MoeFfn c, Routing routing, INDArray bias, INDArray gradView) {
    int e = c.getNExperts();
    long[] selected = routing.selected();
    double mean = 0;
    for (long s : selected) {
      mean += s;
    }
    mean /= e;
    double[] values = bias.toDoubleVector();
    for (int i = 0; i < e; i++) {
      values[i] += c.getBiasRate() * Math.signum(mean - selected[i]);
    }
    bias.assign(Nd4j.create(values, bias.shape(), DataType.DOUBLE));
    gradView.assign(0);
  }
}
