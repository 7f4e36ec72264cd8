package org.npffn.np;

/** What one context point of the Neural-Process FFN is made of. */
public enum ContextMode {
  /** The token's hidden state h_i alone; the context of position t is h_0 .. h_t. */
  TOKEN,
  /**
   * The transition (h_{i-1}, h_i): an observed input -> output pair of the sequence, like a CNP's (x, y)
   * context pairs; the context of position t is the pairs ending at 1 .. t (none at t = 0, where the prior
   * alone stands in).
   */
  TRANSITION;

  /** Width of one context point's input, for residual width d. */
  public long inputWidth(long d) {
    return this == TRANSITION ? 2 * d : d;
  }
}
