package org.npffn.np;

import java.util.Arrays;

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
    int size = batch * length * width;
    return forward(e, point, batch, length, width, prior, lambda,
        new Scan(new double[size], new double[size], new double[size]));
  }

  /** The same, written into {@code into} (arrays of N·r), which it returns. */
  public static Scan forward(double[] e, boolean[] point, int batch, int length, int width, double[] prior,
      double[] lambda, Scan into) {
    return forward(e, point, batch, length, width, prior, lambda, null, null, into);
  }

  /**
   * The scan continued from running sums S and W [B·r] left by earlier positions (an rnnTimeStep), or from
   * (r_0, 1) when {@code sStart} is null.
   */
  public static Scan forward(double[] e, boolean[] point, int batch, int length, int width, double[] prior,
      double[] lambda, double[] sStart, double[] wStart, Scan into) {
    double[] r = into.r();
    double[] s = into.s();
    double[] w = into.w();
    double[] l = decay(lambda, width);
    for (int b = 0; b < batch; b++) {
      // position by position, all channels at once: the inner loop runs over contiguous memory
      for (int t = 0; t < length; t++) {
        int row = b * length + t;
        int at = row * width;
        boolean adds = point[row];
        for (int j = 0; j < width; j++) {
          double sPrev = t > 0 ? s[at - width + j] : sStart == null ? prior[j] : sStart[b * width + j];
          double wPrev = t > 0 ? w[at - width + j] : wStart == null ? 1 : wStart[b * width + j];
          double sj = adds ? l[j] * sPrev + e[at + j] : sPrev;
          double wj = adds ? l[j] * wPrev + 1 : wPrev;
          s[at + j] = sj;
          w[at + j] = wj;
          r[at + j] = sj / wj;
        }
      }
    }
    return into;
  }

  /** Gradients of the scan: dL/de [N·r] (into {@code de}), dL/dr_0 and dL/dλ [r] (accumulated into). */
  public static void backward(Scan scan, double[] dr, boolean[] point, int batch, int length, int width,
      double[] prior, double[] lambda, double[] de, double[] dPrior, double[] dLambda) {
    double[] l = decay(lambda, width);
    double[] s = scan.s();
    double[] w = scan.w();
    double[] gs = new double[width];
    double[] gw = new double[width];
    for (int b = 0; b < batch; b++) {
      Arrays.fill(gs, 0);
      Arrays.fill(gw, 0);
      for (int t = length - 1; t >= 0; t--) {
        int row = b * length + t;
        int at = row * width;
        boolean adds = point[row];
        for (int j = 0; j < width; j++) {
          // r_t = S_t / W_t
          double wj = w[at + j];
          gs[j] += dr[at + j] / wj;
          gw[j] -= dr[at + j] * s[at + j] / (wj * wj);
          if (adds) {
            // S_t = λ S_{t-1} + e_t, W_t = λ W_{t-1} + 1
            de[at + j] = gs[j];
            if (dLambda != null) {
              double sPrev = t == 0 ? prior[j] : s[at - width + j];
              double wPrev = t == 0 ? 1 : w[at - width + j];
              dLambda[j] += gs[j] * sPrev + gw[j] * wPrev;
            }
            gs[j] *= l[j];
            gw[j] *= l[j];
          } else {
            de[at + j] = 0;
          }
        }
      }
      for (int j = 0; j < width; j++) {
        dPrior[j] += gs[j]; // S_{-1} = r_0 (W_{-1} = 1 is a constant)
      }
    }
  }

  /** λ per channel, all ones for the plain mean. */
  private static double[] decay(double[] lambda, int width) {
    if (lambda != null) {
      return lambda;
    }
    double[] ones = new double[width];
    Arrays.fill(ones, 1);
    return ones;
  }
}
