package org.npffn.stack.output;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.NativeElements;
import org.npffn.stack.layers.RowBlockView;

/**
 * The cross-entropy of softmax(z) against labels y, and its gradient in z, in one pass over each row of logits
 * [N, V]: log p_j = z_j - logsumexp(z), loss = -Σ_j y_j log p_j, dL/dz_j = p_j·Σ_k y_k - y_j (p_j - y_j for a
 * one-hot y), both times the row's mask. The gradient overwrites the logits, so a step holds one [N, V] array.
 */
final class SoftmaxCrossEntropyRows {
  private SoftmaxCrossEntropyRows() {}

  /**
   * Overwrites {@code logits} with dL/dz and returns the loss summed over the rows, each times its mask.
   *
   * @param logits [N, V] contiguous: z in, dL/dz out
   * @param labels [N, V] contiguous
   * @param mask [N], 1 for a token that counts and 0 for padding, or null for all
   * @param perRow out: each row's unmasked loss times its mask, or null
   */
  static double lossAndGradient(INDArray logits, INDArray labels, double[] mask, double[] perRow) {
    if (!RowBlockView.isContiguous(logits) || !RowBlockView.isContiguous(labels)) {
      throw new IllegalArgumentException("logits and labels must be contiguous [N, V] rows");
    }
    long n = logits.rows();
    int v = (int) logits.columns();
    NativeElements zs = NativeElements.of(logits);
    NativeElements ys = NativeElements.of(labels);
    double[] z = new double[v];
    double[] y = new double[v];
    double total = 0;
    for (long r = 0; r < n; r++) {
      long zAt = logits.offset() + r * v;
      zs.read(zAt, z, v);
      ys.read(labels.offset() + r * v, y, v);
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, z[j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        sum += Math.exp(z[j] - max);
      }
      double logSumExp = max + Math.log(sum);
      double m = mask == null ? 1 : mask[(int) r];
      double loss = 0;
      double labelSum = 0;
      for (int j = 0; j < v; j++) {
        if (y[j] != 0) {
          loss += y[j] * (logSumExp - z[j]);
          labelSum += y[j];
        }
      }
      for (int j = 0; j < v; j++) {
        z[j] = m * (Math.exp(z[j] - logSumExp) * labelSum - y[j]);
      }
      zs.write(zAt, z, v);
      total += m * loss;
      if (perRow != null) {
        perRow[(int) r] = m * loss;
      }
    }
    return total;
  }
}
