package org.npffn.eval.compare;

import java.util.Map;

/**
 * What one arm measured with one seed.
 *
 * @param arm the arm's label
 * @param seed the seed of its weights and batches
 * @param validationNats mean held-out cross-entropy per byte on the validation documents, nats
 * @param testNats the same on the test documents
 * @param testTokens test bytes evaluated
 * @param parameters all parameters of the network
 * @param activeParameters parameters one token's output depends on (the FFNs' active counts)
 * @param ffnFlopsPerToken forward FLOPs per token of all FFN layers
 * @param tokensPerSecond training throughput
 * @param seconds training wall time
 * @param usage per routing or gating FFN layer: its balance statistics over the test set
 * @param topKPerplexity NP arm: test perplexity with only the top-k groups kept, per k (renormalised)
 */
public record ArmResult(String arm, long seed, double validationNats, double testNats, long testTokens,
    long parameters, long activeParameters, long ffnFlopsPerToken, double tokensPerSecond, double seconds,
    Map<String, LayerUsage> usage, Map<Integer, Double> topKPerplexity) {

  public double testPerplexity() {
    return Math.exp(testNats);
  }

  public double validationPerplexity() {
    return Math.exp(validationNats);
  }

  public double testBitsPerByte() {
    return testNats / Math.log(2);
  }

  /**
   * Balance statistics of one layer over the test set (definitions in docs/moe.md and docs/np-layer.md).
   *
   * @param maxVioGlobal MaxVio of the loads summed over the whole test set
   * @param maxVioPerBatch mean over test batches of each batch's MaxVio
   */
  public record LayerUsage(long tokens, double[] load, double cv, double maxVioGlobal, double maxVioPerBatch,
      double normalisedEntropy, double busiest10Share, double droppedFraction, double effectiveUnits,
      Map<String, Double> scalars) {}
}
