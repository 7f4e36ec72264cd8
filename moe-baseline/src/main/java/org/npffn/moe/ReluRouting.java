package org.npffn.moe;

import java.util.Arrays;
import org.npffn.stack.routing.Routing;

/**
 * ReLU routing (ReMoE): token t goes to every expert e with g_te = ReLU(l_te) > 0, weighted by g_te itself: no
 * softmax, no top-k, no renormalisation, no capacity. The result is an ordinary {@link Routing}, so the top-k
 * MoE's dispatch, experts and combine run it unchanged: each token's routed experts are its first choices
 * (in expert order), k' = the most any token has (at least 1), and its remaining choices are unused (slot -1,
 * gate 0; the combine reads the zero row for them). Padding is not routed.
 */
final class ReluRouting {
  private ReluRouting() {}

  /**
   * @param gates [N·E] row-major, g = ReLU(logits)
   * @param real per token: false for padding
   */
  static Routing route(double[] gates, boolean[] real, int experts) {
    int n = real.length;
    int[] active = new int[n];
    int[] load = new int[experts];
    int widest = 1;
    int realTokens = 0;
    for (int t = 0; t < n; t++) {
      if (!real[t]) {
        continue;
      }
      realTokens++;
      for (int e = 0; e < experts; e++) {
        if (gates[t * experts + e] > 0) {
          active[t]++;
          load[e]++;
        }
      }
      widest = Math.max(widest, active[t]);
    }
    int k = widest;
    int[] offset = new int[experts + 1];
    long[] selected = new long[experts];
    for (int e = 0; e < experts; e++) {
      offset[e + 1] = offset[e] + load[e];
      selected[e] = load[e];
    }
    int slots = offset[experts];
    int[] fill = Arrays.copyOf(offset, experts);
    int[] choiceExpert = new int[n * k];
    int[] choiceSlot = new int[n * k];
    double[] choiceGate = new double[n * k];
    Arrays.fill(choiceExpert, -1);
    Arrays.fill(choiceSlot, -1);
    int[] slotToken = new int[slots];
    double[] slotGate = new double[slots];
    // token order within each expert's block of slots, as TopKRouter
    for (int t = 0; t < n; t++) {
      int j = 0;
      for (int e = 0; real[t] && e < experts; e++) {
        double g = gates[t * experts + e];
        if (g > 0) {
          int c = t * k + j++;
          int s = fill[e]++;
          choiceExpert[c] = e;
          choiceGate[c] = g;
          choiceSlot[c] = s;
          slotToken[s] = t;
          slotGate[s] = g;
        }
      }
    }
    double[] gateNorm = new double[n];
    Arrays.fill(gateNorm, 1.0);
    return new Routing(n, k, experts, realTokens, choiceExpert, choiceGate, choiceSlot, slotToken, slotGate, offset,
        selected, 0, gateNorm);
  }

  /** Per token: how many experts it is routed to (0 for padding). */
  static int[] activeExperts(Routing r) {
    int[] active = new int[r.tokens()];
    for (int c = 0; c < r.choiceSlot().length; c++) {
      if (r.choiceSlot()[c] >= 0) {
        active[c / r.k()]++;
      }
    }
    return active;
  }
}
