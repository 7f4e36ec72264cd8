package org.npffn.moe;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.routing.Routing;

/**
 * ReMoE's sparsity control (Wang, Chen, Zhu, "ReMoE: Fully Differentiable Mixture-of-Experts with ReLU
 * Routing", ICLR 2025, arXiv 2412.14711): a load-balanced L1 regulariser on the ReLU gates g = ReLU(x W_r), whose
 * weight λ a controller moves after every training step until the realised sparsity holds the target 1 - k/E.
 *
 * <pre>
 *   f_e   = E / (k·N) · #{t : g_te > 0}      expert e's load relative to balance (a count: no gradient)
 *   L_reg = (1/N) Σ_t Σ_e f_e · g_te          the paper's load-balanced L1 regulariser (Sec. 3, "Integrate Load
 *                                             Balancing into L1 Regularization"); f_e = 1 gives its plain L1 form
 *   S     = #{(t, e) : g_te = 0} / (E·N)       the realised sparsity
 *   λ    <- λ·α^sign((1 - k/E) - S)            the paper's adaptive λ (Sec. 3, "Controlling Sparsity via Adaptive
 *                                             L1 Regularization"): α = 1.2, λ0 = 1e-8 as reported
 *   b    <- b + γ_b·sign(S - (1 - k/E))       the logit shift of g = ReLU(x W_r + b): not in the paper (γ_b = 0
 *                                             is the paper's method)
 * </pre>
 *
 * Why the shift: L1 can only close gates. A gate the task loss closes (l ≤ 0) gets no gradient through its
 * ReLU, from the task or from L1, so once a layer is sparser than the target, dividing λ down cannot reopen
 * it. Measured on the default preset (docs/moe.md, "When L1 is not enough"): block 1 closed to sparsity
 * 0.84-0.91 by step 81 with λ at 5e-6 to 3e-4 and stayed at 0.76-0.99 while λ fell to 1e-34. The shift moves every
 * logit, closed ones too, so it reopens them; in a layer that L1 holds at the target it only ripples by γ_b.
 *
 * N counts the real (unmasked) tokens only, in f, L_reg and S alike. The paper sums L_reg over the L layers,
 * divided by L, under one λ steered by the sparsity averaged over layers; DL4J layers share no state, so each
 * layer here has its own λ steered by its own sparsity (the 1/L becomes part of each λ). At S equal to the target
 * λ stays (sign 0), as in the paper.
 *
 * <p>λ is kept as its exponent n, λ = λ0·α^n: a parameter (ModelSerializer saves it, a resumed run continues
 * exactly) that the controller moves by ±1, exact in float32, with a NoOp updater, no regularisation and a zero
 * gradient slot, so no optimizer, clipping or weight decay can touch it.
 */
final class ReluSparsity {
  private ReluSparsity() {}

  /** The settings ReLU routing cannot honour fail the build, naming the field and value. */
  static void checkConfig(MoeFfn c) {
    Preconditions.checkArgument(c.getReluLambda0() >= 0 && Double.isFinite(c.getReluLambda0()),
        "%s: reluLambda0 = %s must be finite and non-negative", c.describe(), c.getReluLambda0());
    Preconditions.checkArgument(c.getReluRate() >= 1 && Double.isFinite(c.getReluRate()),
        "%s: reluRate = %s must be finite and at least 1 (1 holds λ at λ0)", c.describe(), c.getReluRate());
    Preconditions.checkArgument(c.getReluShiftRate() >= 0 && Double.isFinite(c.getReluShiftRate()),
        "%s: reluShiftRate = %s must be finite and non-negative (0 holds the shift at 0)", c.describe(),
        c.getReluShiftRate());
    if (c.getGating() != Gating.RELU) {
      return;
    }
    Preconditions.checkArgument(c.getCapacityFactor() == null,
        "%s: capacityFactor = %s must be unset with gating RELU (ReLU routing is dropless)", c.describe(),
        c.getCapacityFactor());
    Preconditions.checkArgument(!c.isNoisy(), "%s: noisy = %s must be false with gating RELU", c.describe(),
        c.isNoisy());
    Preconditions.checkArgument(c.getAuxLossWeight() == 0,
        "%s: auxLossWeight = %s must be 0 with gating RELU (its L1 regulariser balances the load)", c.describe(),
        c.getAuxLossWeight());
    Preconditions.checkArgument(!c.isLossFreeBalancing(),
        "%s: lossFreeBalancing = %s must be false with gating RELU (no top-k selection to steer)", c.describe(),
        c.isLossFreeBalancing());
  }

  /** The target sparsity 1 - k/E. */
  static double target(MoeFfn c) {
    return 1 - (double) c.getTopK() / c.getNExperts();
  }

  /** λ = λ0·α^n from the exponent parameter [1, 1]. */
  static double lambda(MoeFfn c, INDArray exponent) {
    return c.getReluLambda0() * Math.pow(c.getReluRate(), exponent.getDouble(0));
  }

  /** f_e = E / (k·N) · (tokens with g_te > 0); all 0 when no token is real. */
  static double[] loadWeights(Routing r, int topK) {
    double[] f = new double[r.experts()];
    for (int e = 0; e < f.length; e++) {
      f[e] = r.realTokens() == 0 ? 0 : (double) r.experts() * r.load(e) / ((double) topK * r.realTokens());
    }
    return f;
  }

  /** L_reg = (1/N) Σ_t Σ_e f_e · g_te over the routed pairs (the others have g = 0); 0 with no real token. */
  static double regulariser(Routing r, double[] f) {
    double sum = 0;
    for (int e = 0; e < r.experts(); e++) {
      for (int s = r.expertOffset()[e]; s < r.expertOffset()[e + 1]; s++) {
        sum += f[e] * r.slotGate()[s];
      }
    }
    return r.realTokens() == 0 ? 0 : sum / r.realTokens();
  }

  /** S = 1 - (routed pairs) / (E·N), over the real tokens; NaN when none is real. */
  static double sparsity(Routing r) {
    return r.realTokens() == 0 ? Double.NaN : 1 - (double) r.slots() / ((double) r.experts() * r.realTokens());
  }

  /**
   * dL/dlogits [N·E]. Forward was g = ReLU(l) and the score's λ·N·L_reg (DL4J's scale, BalanceLosses): for a
   * routed pair dl = dg + λ·f_e; elsewhere l ≤ 0 and ReLU passes no gradient.
   *
   * @param choiceGrad per choice (t, j): dL/dg of its slot (MoeRouter.choiceGrad)
   */
  static double[] logitGrad(Routing r, double[] choiceGrad, double lambda, double[] f) {
    int e = r.experts();
    int k = r.k();
    double[] dl = new double[r.tokens() * e];
    for (int c = 0; c < choiceGrad.length; c++) {
      if (r.choiceSlot()[c] >= 0) {
        int ex = r.choiceExpert()[c];
        dl[(c / k) * e + ex] = choiceGrad[c] + lambda * f[ex];
      }
    }
    return dl;
  }

  /**
   * The controllers after a training step, straight into the parameters: n += sign((1 - k/E) - S) (λ grows by
   * α while the gates are too dense, shrinks by α while too sparse) and b -= γ_b·sign((1 - k/E) - S) (the logits
   * fall while too dense, rise while too sparse); the gradient slots get 0. A pass with no real token leaves
   * both alone.
   */
  static void step(MoeFfn c, Routing r, INDArray exponent, INDArray shift, INDArray exponentGrad,
      INDArray shiftGrad) {
    double s = sparsity(r);
    if (!Double.isNaN(s)) {
      double direction = Math.signum(target(c) - s);
      exponent.putScalar(0, exponent.getDouble(0) + direction);
      shift.putScalar(0, shift.getDouble(0) - c.getReluShiftRate() * direction);
    }
    exponentGrad.assign(0);
    shiftGrad.assign(0);
  }
}
