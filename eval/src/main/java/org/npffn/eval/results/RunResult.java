package org.npffn.eval.results;

import java.util.List;

/**
 * What one arm measured with one seed (docs/report.md, "runs").
 *
 * @param arm the arm's label
 * @param seed seeds the weights and the training batches
 * @param status "ok"; "diverged" when training met the divergence rule (DivergenceRule: a non-finite loss or
 *     parameter, or a loss above ln(V) + 1 for 20 steps after warm-up); "failed" when it stopped on an error
 * @param error why it diverged or failed, or null
 * @param divergedAt the step at which it diverged, or null
 * @param stepsDone optimizer steps completed (before the step that diverged, when it did)
 * @param checkpoint the directory of the run's last good checkpoint, or null
 * @param parameters all parameters of the network
 * @param activeParameters parameters one token's output depends on
 * @param ffnFlopsPerToken forward FLOPs per token of all FFN layers
 * @param tokensPerSecond training throughput (of this process; a resumed run counts its own part)
 * @param seconds training wall time
 * @param peakMemoryBytes peak memory in use while training (ND4J off-heap arrays plus JVM heap), sampled every step
 * @param validation held-out loss on the validation documents (null unless ok)
 * @param test held-out loss on the test documents (null unless ok)
 * @param trainingCurve training cross-entropy per token over training
 * @param validationCurve periodic validation loss over training
 * @param lossByPosition test cross-entropy (nats) at each position t = 0..T−1 of a window
 * @param topK NP arms: test perplexity with only the top-k groups kept
 * @param shuffledContextLossIncrease NP arms: test loss (nats) with each sequence given the next sequence's
 *     context summary, minus the test loss; null for other arms
 * @param layers one per block's FFN slot
 */
public record RunResult(String arm, long seed, String status, String error, Integer divergedAt, int stepsDone, String checkpoint,
    long parameters, long activeParameters, long ffnFlopsPerToken, double tokensPerSecond, double seconds,
    long peakMemoryBytes, Loss validation, Loss test, List<CurvePoint> trainingCurve,
    List<ValidationPoint> validationCurve, double[] lossByPosition, List<TopK> topK,
    Double shuffledContextLossIncrease, List<LayerResult> layers) {

  public static final String OK = "ok";
  public static final String DIVERGED = "diverged";
  public static final String FAILED = "failed";

  public boolean ok() {
    return OK.equals(status);
  }

  /** Held-out cross-entropy over unmasked tokens. */
  public record Loss(double nats, double perplexity, double bitsPerByte, long tokens) {
    public static Loss ofNats(double nats, long tokens) {
      return new Loss(nats, Math.exp(nats), nats / Math.log(2), tokens);
    }
  }

  /** Training cross-entropy per token (without aux losses or weight decay) after {@code step}. */
  public record CurvePoint(int step, long tokens, double loss, double learningRate) {}

  /** Validation cross-entropy per token after {@code step}. */
  public record ValidationPoint(int step, double nats) {}

  /** Test perplexity with the NP layers' inference top-k set to k. */
  public record TopK(int k, boolean renormalised, double testPerplexity) {}
}
