package org.npffn.stack.ffn;

/**
 * What one FFN layer costs, for matching FFN kinds fairly.
 *
 * <p>FLOPs count the forward pass only, as 2 per multiply-add of every matrix product a token goes through
 * (the convention of Kaplan et al. 2020 and the MoE papers); elementwise work is not counted.
 *
 * @param totalParams every parameter of the layer, trained or not
 * @param activeParamsPerToken the parameters one token's output depends on (all of them for a dense FFN;
 *     the router, k experts and any shared experts for an MoE)
 * @param flopsPerToken forward FLOPs per token
 */
public record FfnCost(long totalParams, long activeParamsPerToken, long flopsPerToken) {

  /** Multi-line accounting, for the matching helpers to print. */
  public String describe(String label) {
    return String.format("%s: total params %,d; active params/token %,d; FLOPs/token %,d", label,
        totalParams, activeParamsPerToken, flopsPerToken);
  }
}
