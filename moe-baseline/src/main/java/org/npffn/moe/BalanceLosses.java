package org.npffn.moe;

import org.npffn.stack.routing.Routing;

/**
 * The two router losses, as pure functions on [N, E] row-major arrays of the real tokens.
 *
 * <p>Scale: DL4J's score is the output loss summed over time steps divided by the minibatch B, i.e. about
 * T times the mean per-token cross-entropy the papers' α and β are relative to. The layer therefore adds
 * (loss · N_real / B) to the score, and the gradient of that term with respect to the summed loss DL4J
 * backpropagates is N_real · d(loss)/d(.). The gradient functions here return that: per-token, unscaled by
 * 1/N_real.
 */
public final class BalanceLosses {
  private BalanceLosses() {}

  /**
   * f_i: the fraction of the real tokens' k·N choices that selected expert i, counted before capacity (0 for
   * every expert when no token is real).
   */
  public static double[] selectedFractions(Routing routing) {
    double[] f = new double[routing.experts()];
    for (int i = 0; i < f.length; i++) {
      f[i] = routing.realTokens() == 0 ? 0
          : (double) routing.selected()[i] / ((long) routing.k() * routing.realTokens());
    }
    return f;
  }

  /**
   * Switch Transformer load-balancing loss (Fedus et al. 2021, eq. 4): α·E·Σ_i f_i·P_i, with f_i the fraction
   * of the real tokens' k·N choices that selected expert i and P_i the mean router probability of expert i.
   * Equals α at perfect balance.
   */
  public static double auxLoss(double alpha, double[] f, double[] p) {
    double sum = 0;
    for (int i = 0; i < f.length; i++) {
      sum += f[i] * p[i];
    }
    return alpha * f.length * sum;
  }

  /** d(N · auxLoss)/d q[t, i] = α·E·f_i for every real token t (f is a count fraction: no gradient). */
  public static double[] auxGradPerToken(double alpha, double[] f) {
    double[] g = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      g[i] = alpha * f.length * f[i];
    }
    return g;
  }

  /**
   * Adds d(N · zLoss)/d logits to {@code grad} for the ST-MoE router z-loss (Zoph et al. 2022, eq. 5),
   * zLoss = β·mean_t z_t², z_t = logsumexp(logits_t): per token 2β·z_t·softmax(logits_t).
   */
  public static void addZLossGrad(double beta, double[] logits, double[] z, boolean[] real, int experts,
      double[] grad) {
    for (int t = 0; t < real.length; t++) {
      if (!real[t]) {
        continue;
      }
      for (int e = 0; e < experts; e++) {
        grad[t * experts + e] += 2 * beta * z[t] * Math.exp(logits[t * experts + e] - z[t]);
      }
    }
  }
}
