package org.npffn.np;

/**
 * The causal, permutation-invariant context summary of the Neural-Process FFN, as a scan over each
 * sequence (O(T·r)), on [N, r] row-major arrays with N = B·T.
 *
 * <p>Per channel j: S = r0_j, W = 1; at each position that adds a context point, S ← λ S + e_t and
 * W ← λ W + 1; then r_t = S / W. With λ = 1 this is r_t = (r_0 + Σ_{i ∈ ctx(t)} e_i) / (n_t + 1): the prior
 * counts as one point, and the mean is invariant to the order of the points. With a learned λ_j ∈ (0, 1) it
 * is a normalised exponentially decayed mean; the recurrence never forms λ^-t, so it cannot overflow.
 */
public final class ContextAggregator {
  private ContextAggregator() {}

  /** What the forward scan keeps for the backward: S_t and W_t after each position. */
  public record Scan(double[] r, double[] s, double[] w) {}

  /**
   * @param e encoded context points [N·r]
   * @param point per row: whether that position adds its point to the context
   * @param prior r_0 [r]
   * @param lambda per-channel decay in (0, 1], or null for the plain mean
   */
  public static Scan forward(double[] e, boolean[] point, int batch, int length, int width, double[] prior,
      double[] lambda) {
    int n = batch * length;
    double[] r = new double[n * width];
    double[] s = new double[n * width];
    double[] w = new double[n * width];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < width; j++) {
        double sj = prior[j];
        double wj = 1;
        double l = lambda == null ? 1 : lambda[j];
        for (int t = 0; t < length; t++) {
          int row = b * length + t;
          int at = row * width + j;
          if (point[row]) {
            sj = l * sj + e[at];
            wj = l * wj + 1;
          }
          s[at] = sj;
          w[at] = wj;
          r[at] = sj / wj;
        }
      }
    }
    return new Scan(r, s, w);
  }

  /** Gradients of the scan: dL/de [N·r] (into {@code de}), dL/dr_0 and dL/dλ [r] (accumulated into). */
  public static void backward(Scan scan, double[] dr, boolean[] point, int batch, int length, int width,
      double[] prior, double[] lambda, double[] de, double[] dPrior, double[] dLambda) {
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < width; j++) {
        double l = lambda == null ? 1 : lambda[j];
        double gs = 0;
        double gw = 0;
        for (int t = length - 1; t >= 0; t--) {
          int row = b * length + t;
          int at = row * width + j;
          // r_t = S_t / W_t
          gs += dr[at] / scan.w()[at];
          gw -= dr[at] * scan.s()[at] / (scan.w()[at] * scan.w()[at]);
          if (point[row]) {
            // S_t = λ S_{t-1} + e_t, W_t = λ W_{t-1} + 1
            de[at] = gs;
            double sPrev = t == 0 ? prior[j] : scan.s()[at - width];
            double wPrev = t == 0 ? 1 : scan.w()[at - width];
            if (dLambda != null) {
              dLambda[j] += gs * sPrev + gw * wPrev;
            }
            gs *= l;
            gw *= l;
          } else {
            de[at] = 0;
          }
        }
        dPrior[j] += gs; // S_{-1} = r_0 (W_{-1} = 1 is a constant)
      }
    }
  }
}
