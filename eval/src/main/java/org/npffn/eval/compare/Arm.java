package org.npffn.eval.compare;

import org.npffn.eval.train.TrainConfig;
import org.npffn.moe.MoeFfn;
import org.npffn.np.ContextMode;
import org.npffn.np.NpFfn;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnFactory;

/**
 * The FFN kinds compared in the same attention stack. All are matched to the dense FFN's hidden width h:
 * the MoE arms route to k = 2 of E = 8 experts with d_e = h/2 (the same active FLOPs, k·d_e = h); the NP arm
 * keeps h and adds its context path (about 20% more FLOPs per token, shown in the report).
 */
public enum Arm {
  DENSE("dense"),
  MOE_AUX("moe-aux"),
  MOE_LOSSFREE("moe-lossfree"),
  NP("np");

  /** Experts and groups of the MoE and NP arms. */
  public static final int EXPERTS = 8;
  public static final int TOP_K = 2;

  private final String label;

  Arm(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The arm named {@code label}, or an IllegalArgumentException listing the names. */
  public static Arm of(String label) {
    for (Arm a : values()) {
      if (a.label.equals(label)) {
        return a;
      }
    }
    throw new IllegalArgumentException("arm = " + label + " is not one of dense, moe-aux, moe-lossfree, np");
  }

  /**
   * The FFN factory of this arm for config {@code c}.
   *
   * @param biasRate γ of the loss-free arm (the papers' 1e-3 is for tens of thousands of steps)
   */
  public FfnFactory factory(TrainConfig c, double biasRate) {
    long h = c.hidden();
    return switch (this) {
      case DENSE -> (block, d) -> new DenseFfn.Builder().hidden(h).build();
      case MOE_AUX -> (block, d) -> new MoeFfn.Builder().nExperts(EXPERTS).topK(TOP_K).expertHidden(h / TOP_K)
          .auxLossWeight(0.01).build();
      case MOE_LOSSFREE -> (block, d) -> new MoeFfn.Builder().nExperts(EXPERTS).topK(TOP_K)
          .expertHidden(h / TOP_K).lossFreeBalancing(true, biasRate).build();
      case NP -> (block, d) -> new NpFfn.Builder().hidden(h).groups(EXPERTS).contextWidth((int) Math.max(8, d / 4))
          .contextMode(ContextMode.TRANSITION).build();
    };
  }
}
