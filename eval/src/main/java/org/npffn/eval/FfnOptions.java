package org.npffn.eval;

import org.npffn.eval.compare.FfnSettings;
import org.npffn.moe.Gating;
import org.npffn.np.ContextMode;
import org.npffn.np.GroupGating;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.routing.Overflow;
import picocli.CommandLine.Option;

/** The FFN kinds' knobs for compare; unset ones take {@link FfnSettings#defaults()}. */
final class FfnOptions {
  @Option(names = "--activation", description = "GELU | SWIGLU (dense and MoE FFNs)") FfnActivation activation;
  @Option(names = "--experts", description = "E, experts of the MoE arms and groups M of the NP arms") Integer experts;
  @Option(names = "--top-k", description = "k, experts per token") Integer topK;
  @Option(names = "--aux-weight", description = "α of the Switch aux loss (moe-aux)") Double auxWeight;
  @Option(names = "--z-weight", description = "β of the router z-loss (MoE arms; 0 = off)") Double zWeight;
  @Option(names = "--capacity-factor", description = "expert capacity factor (MoE arms; unset = unlimited, no token dropped)")
  Double capacityFactor;
  @Option(names = "--overflow", description = "DROP | NEXT_BEST, when an expert is full") Overflow overflow;
  @Option(names = "--gating", description = "SOFTMAX | SIGMOID (MoE arms)") Gating gating;
  @Option(names = "--router-rank", description = "r of a low-rank router d → r → E (0 = linear)") Integer routerRank;
  @Option(names = "--shared-experts", description = "always-on shared experts (MoE arms)") Integer sharedExperts;
  @Option(names = "--bias-rate", description = "γ of the loss-free arm (the papers' 1e-3 suits long runs)")
  Double biasRate;
  @Option(names = "--relu-shift-rate", description = "γ_b of moe-relu's logit shift (0 = the ReMoE paper's L1 control alone)")
  Double reluShiftRate;
  @Option(names = "--np-context-width", description = "r of the NP arms (0 = d/4)") Integer npContextWidth;
  @Option(names = "--np-context-mode", description = "TRANSITION | TOKEN") ContextMode npContextMode;
  @Option(names = "--np-gating", description = "SOFTMAX | FILM") GroupGating npGating;
  @Option(names = "--np-selector-rank", description = "rank of the NP's group selector") Integer npSelectorRank;
  @Option(names = "--np-context-projection", arity = "1", description = "true | false: U·r_t in the hidden layer")
  Boolean npContextProjection;
  @Option(names = "--np-decay", arity = "1", description = "true | false: decayed context mean") Boolean npDecay;

  FfnSettings resolve() {
    FfnSettings d = FfnSettings.defaults();
    return new FfnSettings(or(activation, d.activation()), or(experts, d.experts()), or(topK, d.topK()),
        or(auxWeight, d.auxLossWeight()), or(zWeight, d.zLossWeight()),
        capacityFactor != null ? capacityFactor : d.capacityFactor(), or(overflow, d.overflow()),
        or(gating, d.gating()), or(routerRank, d.routerRank()), or(sharedExperts, d.sharedExperts()),
        or(biasRate, d.biasRate()), or(reluShiftRate, d.reluShiftRate()), or(npContextWidth, d.npContextWidth()), or(npContextMode, d.npContextMode()),
        or(npGating, d.npGating()), or(npSelectorRank, d.npSelectorRank()),
        or(npContextProjection, d.npContextProjection()), or(npDecay, d.npDecay()));
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
