package org.npffn.stack.routing;

/**
 * Softmax over each row of an [N, E] row-major array of doubles, and its backward: the MoE router's gate
 * scores q_t = softmax(h_t) and the NP layer's group shares α_t = softmax(A2 A1 [h_t; r_t]).
 *
 * <p>p_i = exp(h_i - m) / Σ_j exp(h_j - m) with m = max_j h_j, which is softmax(h) and cannot overflow.
 */
public final class RowSoftmax {
  private RowSoftmax() {}

  /**
   * out[row, .] = softmax(h[row, .]), one exp per element.
   *
   * @return log Σ_i exp(h[row, i]), which the forward has at hand (the router z-loss's z_t)
   */
  public static double forward(double[] h, int row, int width, double[] out) {
    int base = row * width;
    double max = max(h, base, width);
    double sum = 0;
    for (int i = 0; i < width; i++) {
      out[base + i] = Math.exp(h[base + i] - max);
      sum += out[base + i];
    }
    for (int i = 0; i < width; i++) {
      out[base + i] /= sum;
    }
    return max + Math.log(sum);
  }

  /** log Σ_i exp(h[row, i]) = m + log Σ_i exp(h_i - m), stably. */
  public static double logSumExp(double[] h, int row, int width) {
    int base = row * width;
    double max = max(h, base, width);
    double sum = 0;
    for (int i = 0; i < width; i++) {
      sum += Math.exp(h[base + i] - max);
    }
    return max + Math.log(sum);
  }

  /**
   * Backward of p = softmax(h) for one row: dh_i = p_i·(dp_i - Σ_j dp_j·p_j), the Jacobian diag(p) - p pᵀ
   * applied to dp.
   *
   * @param p the forward's output [N·E]
   * @param dp dL/dp of this row, [E] from index 0
   * @param dh out: dL/dh, written at [row, .]
   */
  public static void backward(double[] p, int row, int width, double[] dp, double[] dh) {
    int base = row * width;
    double dot = 0;
    for (int i = 0; i < width; i++) {
      dot += dp[i] * p[base + i];
    }
    for (int i = 0; i < width; i++) {
      dh[base + i] = p[base + i] * (dp[i] - dot);
    }
  }

  private static double max(double[] h, int base, int width) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < width; i++) {
      max = Math.max(max, h[base + i]);
    }
    return max;
  }
}
