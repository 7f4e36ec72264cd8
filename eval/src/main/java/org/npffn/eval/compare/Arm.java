package org.npffn.eval.compare;

import org.npffn.eval.train.TrainConfig;
import org.npffn.moe.Gating;
import org.npffn.moe.MoeFfn;
import org.npffn.np.NpFfn;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnFactory;

/**
 * The FFN kinds compared in the same attention stack, matched to the dense FFN's hidden width h.
 *
 * <p>FLOP-matched (the default arms): the MoE arms route to k of E experts with d_e = h/k (k·d_e = h, the same
 * active FLOPs; moe-relu at its target sparsity 1 - k/E, which its controller reaches over training, not from
 * the first step); the NP arm keeps h and adds its context path (about 20% more FLOPs per token, which the report
 * shows). Parameter-matched (the full preset): dense-wide has the MoE's expert parameters in one FFN (hidden
 * E·d_e), np-wide has the moe-aux arm's total parameters within 2% ({@link NpMatching#parameterMatched}).
 */
public enum Arm {
  DENSE("dense"),
  MOE_AUX("moe-aux"),
  MOE_LOSSFREE("moe-lossfree"),
  MOE_RELU("moe-relu"),
  NP("np"),
  DENSE_WIDE("dense-wide"),
  NP_WIDE("np-wide");

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
    throw new IllegalArgumentException("arm = " + label
        + " is not one of dense, moe-aux, moe-lossfree, moe-relu, np, dense-wide, np-wide");
  }

  /** Whether this arm's FFN layers are Neural-Process layers (inference top-k is measured for them). */
  public boolean isNp() {
    return this == NP || this == NP_WIDE;
  }

  /** The FFN factory of this arm for stack config {@code c} and FFN knobs {@code s}. */
  public FfnFactory factory(TrainConfig c, FfnSettings s) {
    long h = c.hidden();
    // k·d_e = h is the FLOP match; a remainder would silently give the MoE arms fewer active units than dense
    if (h % s.topK() != 0) {
      throw new IllegalArgumentException("--hidden = " + h + " is not divisible by --top-k = " + s.topK()
          + ": the MoE arms' experts have h/k hidden units each; choose h and k so that k divides h");
    }
    if (isNp() && h % s.experts() != 0) {
      throw new IllegalArgumentException("--hidden = " + h + " is not divisible by --experts = " + s.experts()
          + ": the NP arm splits its h hidden units into M = E groups of equal size");
    }
    long expertHidden = h / s.topK();
    return switch (this) {
      case DENSE -> (block, d) -> new DenseFfn.Builder().hidden(h).activation(s.activation()).build();
      case DENSE_WIDE -> (block, d) -> new DenseFfn.Builder().hidden(s.experts() * expertHidden)
          .activation(s.activation()).build();
      case MOE_AUX -> (block, d) -> moe(s, expertHidden).auxLossWeight(s.auxLossWeight()).build();
      case MOE_LOSSFREE -> (block, d) -> moe(s, expertHidden).lossFreeBalancing(true, s.biasRate()).build();
      // ReMoE: ReLU gates held at k of E active on average by its L1 controller (paper defaults λ0, α) and the
      // logit shift that reopens gates the task loss closed (ReluSparsity), dropless
      case MOE_RELU -> (block, d) -> new MoeFfn.Builder().nExperts(s.experts()).topK(s.topK())
          .expertHidden(expertHidden).activation(s.activation()).zLossWeight(s.zLossWeight()).gating(Gating.RELU)
          .reluShift(s.reluShiftRate())
          .routerRank(s.routerRank()).nShared(s.sharedExperts()).build();
      case NP -> (block, d) -> np(s, d).hidden(h).build();
      case NP_WIDE -> (block, d) -> {
        MoeFfn reference = moe(s, expertHidden).auxLossWeight(s.auxLossWeight()).nIn(d).build();
        return NpMatching.parameterMatched(reference, np(s, d)).np();
      };
    };
  }

  private static MoeFfn.Builder moe(FfnSettings s, long expertHidden) {
    MoeFfn.Builder b = new MoeFfn.Builder().nExperts(s.experts()).topK(s.topK()).expertHidden(expertHidden)
        .activation(s.activation()).zLossWeight(s.zLossWeight()).gating(s.gating()).routerRank(s.routerRank())
        .nShared(s.sharedExperts()).overflow(s.overflow());
    if (s.capacityFactor() != null) {
      b.capacityFactor(s.capacityFactor());
    }
    return b;
  }

  private static NpFfn.Builder np(FfnSettings s, long d) {
    return new NpFfn.Builder().groups(s.experts()).contextWidth(s.contextWidthFor(d)).contextMode(s.npContextMode())
        .gating(s.npGating()).selectorRank(s.npSelectorRank()).contextProjection(s.npContextProjection())
        .decay(s.npDecay());
  }
}
