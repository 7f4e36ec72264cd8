package org.npffn.eval.compare;

import com.google.common.base.Preconditions;
import org.npffn.moe.Gating;
import org.npffn.np.ContextMode;
import org.npffn.np.GroupGating;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.routing.Overflow;

/**
 * Every knob of the FFN kinds the arms build, resolved (defaults applied), so the report can echo it.
 *
 * @param activation GELU or SwiGLU of the dense and MoE FFNs (the NP layer's is GELU)
 * @param experts E, experts of the MoE arms and groups M of the NP arms
 * @param topK k of the MoE arms
 * @param auxLossWeight α of the Switch aux loss (moe-aux)
 * @param zLossWeight β of the ST-MoE router z-loss (both MoE arms; 0 = off)
 * @param capacityFactor expert capacity factor of both MoE arms; null = unlimited
 * @param overflow what a full expert does with its overflow (only with a capacity)
 * @param gating MoE gating: softmax (Mixtral) or sigmoid (DeepSeek-V3)
 * @param routerRank rank of a low-rank router d → r → E; 0 = linear router
 * @param sharedExperts always-on shared experts (DeepSeek-MoE)
 * @param biasRate γ of the loss-free arm (the papers' 1e-3 suits tens of thousands of steps)
 * @param reluShiftRate γ_b of moe-relu's logit shift controller (0 = the ReMoE paper's L1 control alone)
 * @param npContextWidth r of the NP arms; 0 = d/4 (at least 8)
 * @param npContextMode transition pairs or single tokens as context points
 * @param npGating softmax groups or FiLM
 * @param npSelectorRank rank of the NP's group selector A
 * @param npContextProjection whether U·r_t enters the NP's hidden pre-activation
 * @param npDecay exponentially decayed context mean
 */
public record FfnSettings(FfnActivation activation, int experts, int topK, double auxLossWeight, double zLossWeight,
    Double capacityFactor, Overflow overflow, Gating gating, int routerRank, int sharedExperts, double biasRate,
    double reluShiftRate, int npContextWidth, ContextMode npContextMode, GroupGating npGating, int npSelectorRank,
    boolean npContextProjection, boolean npDecay) {

  public FfnSettings {
    Preconditions.checkArgument(experts >= 2, "experts = %s must be at least 2", experts);
    Preconditions.checkArgument(topK >= 1 && topK <= experts, "topK = %s must be in [1, experts = %s]", topK,
        experts);
    Preconditions.checkArgument(auxLossWeight >= 0, "auxLossWeight = %s must be non-negative", auxLossWeight);
    Preconditions.checkArgument(zLossWeight >= 0, "zLossWeight = %s must be non-negative", zLossWeight);
    Preconditions.checkArgument(capacityFactor == null || capacityFactor > 0,
        "capacityFactor = %s must be positive (or unset for unlimited)", capacityFactor);
    Preconditions.checkArgument(routerRank >= 0, "routerRank = %s must be non-negative", routerRank);
    Preconditions.checkArgument(sharedExperts >= 0, "sharedExperts = %s must be non-negative", sharedExperts);
    Preconditions.checkArgument(biasRate > 0, "biasRate = %s must be positive", biasRate);
    Preconditions.checkArgument(reluShiftRate >= 0 && Double.isFinite(reluShiftRate),
        "reluShiftRate = %s must be finite and non-negative", reluShiftRate);
    Preconditions.checkArgument(npContextWidth >= 0, "npContextWidth = %s must be non-negative", npContextWidth);
    Preconditions.checkArgument(npSelectorRank > 0, "npSelectorRank = %s must be positive", npSelectorRank);
  }

  /**
   * The harness's defaults: top-2 of 8 experts with α = 0.01 (Switch), no z-loss or capacity, softmax gating,
   * a linear router; γ = 0.01 because a preset's few thousand steps would barely move a 1e-3 bias; γ_b = 0.01 for
   * moe-relu's shift for the same reason (measured: over the last 10% of the default preset's steps 1e-3 left
   * block 1 at sparsity 0.757-0.930, 0.01 held it at 0.678-0.807; docs/moe.md); the NP
   * with transition context, r = d/4, softmax groups of rank 16, U on, no decay.
   */
  public static FfnSettings defaults() {
    return new FfnSettings(FfnActivation.GELU, 8, 2, 0.01, 0, null, Overflow.DROP, Gating.SOFTMAX, 0, 0, 0.01,
        0.01, 0, ContextMode.TRANSITION, GroupGating.SOFTMAX, 16, true, false);
  }

  /** r for residual width d. */
  public int contextWidthFor(long d) {
    return npContextWidth > 0 ? npContextWidth : (int) Math.max(8, d / 4);
  }
}
