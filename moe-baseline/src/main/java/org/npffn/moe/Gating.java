package org.npffn.moe;

/** How router logits become gate values. */
public enum Gating {
  /**
   * p = softmax(logits) over the E experts, keep the top k (Shazeer et al. 2017; Switch, Mixtral,
   * Qwen3-MoE); optionally renormalise the k kept probabilities to sum to 1 (Mixtral, Qwen3-MoE).
   */
  SOFTMAX,
  /**
   * s = sigmoid(logits) per expert, keep the top k, and normalise the k kept scores to sum to 1
   * (DeepSeek-V3, eq. 13-15).
   */
  SIGMOID,
  /**
   * ReMoE (Wang, Chen, Zhu, ICLR 2025): g = ReLU(logits), every expert with g > 0 computes the token, unweighted
   * by any softmax, top-k or renormalisation; k is the target, held by an adaptive L1 regulariser on g
   * ({@link ReluSparsity}). Dropless.
   */
  RELU
}
