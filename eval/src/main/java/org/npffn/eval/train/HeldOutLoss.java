package org.npffn.eval.train;

import java.util.List;
import java.util.function.Consumer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.eval.data.TokenBatch;

/**
 * Cross-entropy of a language model on held-out batches, from the output probabilities over unmasked tokens
 * only: never from net.score(), which also holds auxiliary losses and weight decay, and divides by the
 * batch rather than the token count.
 *
 * @param nats mean cross-entropy per token, in nats
 * @param tokens the number of tokens it covers
 * @param byPosition mean cross-entropy at each position t = 0..T−1 of a window (NaN where no token was)
 */
public record HeldOutLoss(double nats, long tokens, double[] byPosition) {

  /** Bits per byte: with byte-level tokens one token is one byte, so this is nats / ln 2. */
  public double bitsPerByte() {
    return nats / Math.log(2);
  }

  public double perplexity() {
    return Math.exp(nats);
  }

  /** Evaluates {@code net} (inference mode) on every batch. */
  public static HeldOutLoss of(ComputationGraph net, List<TokenBatch> batches) {
    return of(net, batches, () -> { });
  }

  /** Same, running {@code afterEachBatch} after each batch's forward pass (to read layer statistics). */
  public static HeldOutLoss of(ComputationGraph net, List<TokenBatch> batches, Runnable afterEachBatch) {
    return of(net, batches, b -> { }, afterEachBatch);
  }

  /** Same, running {@code beforeEachBatch} before each batch's forward pass (to set up the layers for it). */
  public static HeldOutLoss of(ComputationGraph net, List<TokenBatch> batches,
      Consumer<TokenBatch> beforeEachBatch, Runnable afterEachBatch) {
    double[] sumAt = null;
    double[] countAt = null;
    for (TokenBatch b : batches) {
      beforeEachBatch.accept(b);
      INDArray probs = net.output(false, new INDArray[] {b.ids()}, new INDArray[] {b.mask()})[0]; // [B, T, V]
      // p(target) per position, floored like DL4J's MCXENT so a zero probability stays finite
      INDArray target = probs.mul(b.labels()).sum(2); //                                      [B, T]
      INDArray nll = Transforms.log(Transforms.max(target, 1e-10, false), false).negi().muli(b.mask());
      double[] sum = nll.sum(0).toDoubleVector(); //                                           [T]
      double[] count = b.mask().sum(0).toDoubleVector(); //                                    [T]
      if (sumAt == null) {
        sumAt = new double[sum.length];
        countAt = new double[sum.length];
      }
      for (int t = 0; t < sum.length; t++) {
        sumAt[t] += sum[t];
        countAt[t] += count[t];
      }
      afterEachBatch.run();
    }
    double total = 0;
    long tokens = 0;
    double[] byPosition = new double[sumAt == null ? 0 : sumAt.length];
    for (int t = 0; t < byPosition.length; t++) {
      total += sumAt[t];
      tokens += Math.round(countAt[t]);
      byPosition[t] = countAt[t] > 0 ? sumAt[t] / countAt[t] : Double.NaN;
    }
    if (tokens == 0) {
      throw new IllegalArgumentException("no held-out tokens to evaluate");
    }
    return new HeldOutLoss(total / tokens, tokens, byPosition);
  }
}
