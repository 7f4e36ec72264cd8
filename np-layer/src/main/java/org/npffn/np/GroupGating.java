package org.npffn.np;

/** How the context chooses the contribution of each of the M sub-networks (groups of hidden units). */
public enum GroupGating {
  /** α_t = softmax(A [h_t; r_t]) over the M groups, scaled by M (so uniform α is the dense FFN). */
  SOFTMAX,
  /** FiLM-style: g_t = 1 + tanh(G r_t) per group, no competition between groups. */
  FILM
}
