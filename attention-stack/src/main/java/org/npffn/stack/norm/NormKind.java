package org.npffn.stack.norm;

/** Which normalisation over the feature axis. */
public enum NormKind {
  /** LayerNorm (Ba et al. 2016): y = g ⊙ (x - mean) / sqrt(var + eps) + b. */
  LAYER,
  /** RMSNorm (Zhang and Sennrich 2019): y = g ⊙ x / sqrt(mean(x²) + eps); no centring, no bias. */
  RMS
}
