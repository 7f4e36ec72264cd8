package org.npffn.eval.compare;

import com.google.common.base.Preconditions;
import org.npffn.moe.MoeFfn;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnCost;

/**
 * Matches an MoE to a dense FFN at equal active FLOPs per token: with k experts of hidden d_e per token,
 * k·d_e = h makes the routed experts cost what the dense FFN costs (the router adds 2·d·E).
 */
public final class MoeMatching {
  private MoeMatching() {}

  /** A dense FFN and its FLOP-matched MoE, both for width d. */
  public record Match(DenseFfn dense, MoeFfn moe) {

    /** Total and active parameters and FLOPs per token of both, one line each. */
    public String accounting() {
      FfnCost d = dense.cost();
      FfnCost m = moe.cost();
      return d.describe(String.format("dense (d=%d, h=%d)", dense.getNIn(), dense.getHidden())) + "\n"
          + m.describe(String.format("moe   (d=%d, E=%d, k=%d, d_e=%d)", moe.getNIn(), moe.getNExperts(),
              moe.getTopK(), moe.getExpertHidden())) + "\n"
          + String.format("moe / dense: FLOPs/token %.3f, total params %.2f", (double) m.flopsPerToken()
              / d.flopsPerToken(), (double) m.totalParams() / d.totalParams());
    }
  }

  /**
   * The MoE with E experts, top-k, matched to a dense FFN d -> h -> d: d_e = h / k.
   *
   * @param moe the MoE's other settings (gating, balancing, ...); its E, k and d_e are set here
   * @throws IllegalArgumentException when k does not divide h
   */
  public static Match toDense(long d, long h, int experts, int k, MoeFfn.Builder moe) {
    Preconditions.checkArgument(k >= 1 && h % k == 0, "topK = %s must divide the dense hidden width h = %s", k, h);
    DenseFfn dense = new DenseFfn.Builder().nIn(d).hidden(h).build();
    MoeFfn m = moe.nIn(d).nExperts(experts).topK(k).expertHidden(h / k).build();
    return new Match(dense, m);
  }
}
