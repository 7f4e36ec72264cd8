package org.npffn.stack.embedding;

/** How token positions enter the embedding. */
public enum PositionEncoding {
  /** A learned vector per position (GPT-2), maxLength x C parameters. */
  LEARNED,
  /**
   * Fixed sinusoids (Vaswani et al. 2017, §3.5): PE[t, 2i] = sin(t / 10000^(2i/C)),
   * PE[t, 2i+1] = cos(t / 10000^(2i/C)). No parameters; any length up to maxLength.
   */
  SINUSOIDAL
}
