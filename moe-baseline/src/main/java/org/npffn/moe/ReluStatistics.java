package org.npffn.moe;

import java.util.HashMap;
import java.util.Map;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.routing.Routing;

/**
 * What one ReLU-routed MoE pass (ReMoE) reports, over its real tokens only: the usage snapshot (per-expert load
 * = tokens with g > 0, mean gate = mean g per expert) with the scalars below, and the score term
 * λ·L_reg + β·L_z in DL4J's score scale (N_real / B times the per-token means, as BalanceLosses).
 *
 * <ul>
 *   <li>relu_sparsity: S, the fraction of (token, expert) gates at 0 (target 1 - k/E); absent without real tokens;
 *   <li>active_experts: mean experts per token, E·(1 - S); active_experts_hist_j: the fraction of tokens with
 *       exactly j active experts, j = 0..E (j = 0: the token gets no FFN output at all, only the residual);
 *   <li>relu_lambda: the λ of this pass; relu_shift: the logit shift b of this pass; relu_reg: L_reg unweighted (1 at balance with k active per token and
 *       unit gates);
 *   <li>dead_experts: experts no token reached; router_z and z_loss as in the top-k arms.
 * </ul>
 */
final class ReluStatistics {
  private ReluStatistics() {}

  static RouterStatistics.Pass of(MoeFfn c, Routing routing, MoeRouter.State router, double lambda, double shift,
      long minibatch, String layer) {
    int e = c.getNExperts();
    int n = routing.tokens();
    int real = routing.realTokens();
    int denominator = Math.max(1, real);
    RouterStatistics.Moments m = RouterStatistics.Moments.of(router.scores(), router, routing, e);
    double[] load = new double[e];
    int dead = 0;
    for (int i = 0; i < e; i++) {
      load[i] = routing.load(i);
      dead += routing.load(i) == 0 ? 1 : 0;
    }
    double reg = ReluSparsity.regulariser(routing, ReluSparsity.loadWeights(routing, c.getTopK()));
    double zLoss = c.getZLossWeight() * m.zSquaredMean();
    double[] histogram = new double[e + 1];
    int[] active = ReluRouting.activeExperts(routing);
    for (int t = 0; t < n; t++) {
      if (router.real()[t]) {
        histogram[active[t]] += 1.0 / denominator;
      }
    }
    Map<String, Double> scalars = new HashMap<>();
    double sparsity = ReluSparsity.sparsity(routing);
    if (!Double.isNaN(sparsity)) {
      scalars.put("relu_sparsity", sparsity);
    }
    scalars.put("active_experts", (double) routing.slots() / denominator);
    for (int j = 0; j <= e; j++) {
      scalars.put("active_experts_hist_" + j, histogram[j]);
    }
    scalars.put("relu_lambda", lambda);
    scalars.put("relu_shift", shift);
    scalars.put("relu_reg", reg);
    scalars.put("dead_experts", (double) dead);
    scalars.put("router_z", m.zMean());
    scalars.put("z_loss", zLoss);
    double score = (lambda * reg + zLoss) * real / minibatch;
    return new RouterStatistics.Pass(score, new UsageSnapshot(layer, real, load, m.meanGate(), 0, scalars));
  }
}
