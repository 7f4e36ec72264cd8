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

  static Pass of(MoeFfn c, Routing routing, MoeRouter.State router, long minibatch, String layer) {
    int e = c.getNExperts();
    int n = routing.tokens();
    double[] meanGate = new double[e];
    double zMean = 0;
    double zSquared = 0;
    for (int t = 0; t < n; t++) {
      if (!router.real()[t]) {
        continue;
      }
      for (int i = 0; i < e; i++) {
        meanGate[i] += router.balanceProbs()[t * e + i];
      }
      zMean += router.z()[t];
      zSquared += router.z()[t] * router.z()[t];
    }
    int realTokens = Math.max(1, routing.realTokens());
    double[] load = new double[e];
    for (int i = 0; i < e; i++) {
      meanGate[i] /= realTokens;
      load[i] = routing.load(i);
    }
    double balance = BalanceLosses.auxLoss(1.0, BalanceLosses.selectedFractions(routing), meanGate);
    double zLoss = c.getZLossWeight() * zSquared / realTokens;
    double score = (c.getAuxLossWeight() * balance + zLoss) * routing.realTokens() / minibatch;
    Map<String, Double> scalars = new HashMap<>();
    scalars.put("router_z", zMean / realTokens);
    scalars.put("balance_loss", balance);
    scalars.put("z_loss", zLoss);
    return new Pass(score, new UsageSnapshot(layer, routing.realTokens(), load, meanGate, routing.dropped(),
        scalars));
  }
}
