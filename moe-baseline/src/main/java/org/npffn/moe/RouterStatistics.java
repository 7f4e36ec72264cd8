package org.npffn.moe;

import java.util.HashMap;
import java.util.Map;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.routing.Routing;

/**
 * What one MoE forward pass reports: its usage snapshot (per-expert load, mean gate probability P_i, dropped
 * slots, and the scalars router_z, balance_loss, z_loss) and the balancing terms it adds to DL4J's score,
 * α·L_aux + β·L_z (Switch eq. 4, ST-MoE eq. 5) in the score's scale (see BalanceLosses). Padding counts nowhere.
 */
final class RouterStatistics {
  /** The pass's regularisation score (already in DL4J's score scale) and usage. */
  record Pass(double regularizationScore, UsageSnapshot usage) {}

  private RouterStatistics() {}

  /**
   * Means over the real tokens: of each expert's gate, of the router's log-sum-exp z and of z² (ST-MoE's z-loss
   * before its weight).
   */
  record Moments(double[] meanGate, double zMean, double zSquaredMean) {

    /** @param gates [N·E] row-major: the gate of every (token, expert) */
    static Moments of(double[] gates, MoeRouter.State router, Routing routing, int e) {
      double[] meanGate = new double[e];
      double zSum = 0;
      double zSquaredSum = 0;
      for (int t = 0; t < routing.tokens(); t++) {
        if (!router.real()[t]) {
          continue;
        }
        for (int i = 0; i < e; i++) {
          meanGate[i] += gates[t * e + i];
        }
        zSum += router.z()[t];
        zSquaredSum += router.z()[t] * router.z()[t];
      }
      int realTokens = Math.max(1, routing.realTokens());
      for (int i = 0; i < e; i++) {
        meanGate[i] /= realTokens;
      }
      return new Moments(meanGate, zSum / realTokens, zSquaredSum / realTokens);
    }
  }

  static Pass of(MoeFfn c, Routing routing, MoeRouter.State router, long minibatch, String layer) {
    int e = c.getNExperts();
    Moments m = Moments.of(router.balanceProbs(), router, routing, e);
    double[] meanGate = m.meanGate();
    double[] load = new double[e];
    for (int i = 0; i < e; i++) {
      load[i] = routing.load(i);
    }
    double balance = BalanceLosses.auxLoss(1.0, BalanceLosses.selectedFractions(routing), meanGate);
    double zLoss = c.getZLossWeight() * m.zSquaredMean();
    double score = (c.getAuxLossWeight() * balance + zLoss) * routing.realTokens() / minibatch;
    Map<String, Double> scalars = new HashMap<>();
    scalars.put("router_z", m.zMean());
    scalars.put("balance_loss", balance);
    scalars.put("z_loss", zLoss);
    return new Pass(score, new UsageSnapshot(layer, routing.realTokens(), load, meanGate, routing.dropped(),
        scalars));
  }
}
