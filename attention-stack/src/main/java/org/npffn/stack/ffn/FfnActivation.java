package org.npffn.stack.ffn;

/** The nonlinearity of an FFN's hidden layer. */
public enum FfnActivation {
  /**
   * GELU as x·σ(1.702x) (Hendrycks and Gimpel 2016, the sigmoid form). ND4J's GELU op computes this form,
   * and its GELUDerivative op is the exact derivative of it; the erf-precise variant's derivative disagrees
   * with its forward by 1e-3 in M2.1 and fails gradient checks.
   */
  GELU,
  /**
   * SwiGLU (Shazeer 2020): silu(x W_g) ⊙ (x W_u). Costs a third more per hidden unit than GELU: the up
   * projection is doubled.
   */
  SWIGLU;

  /** How many d-wide input projections one hidden unit needs. */
  public int inputProjections() {
    return this == SWIGLU ? 2 : 1;
  }
}
