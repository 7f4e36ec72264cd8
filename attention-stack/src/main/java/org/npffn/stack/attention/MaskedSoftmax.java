package org.npffn.stack.attention;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.NativeElements;

/**
 * The attention weights a = softmax(s·scale) over the keys each query sees (Vaswani et al. 2017, eq. 1), written
 * over the scores s in place, and the backward ds = a ⊙ (da - Σ_j da_j·a_j)·scale written over da: one pass per
 * row each, where ND4J ops took a scale, a mask add, a softmax and, backward, a product, a row sum and three
 * elementwise ops, each a pass over all R·Tq·Tk scores. A key the query does not see ({@link Visibility}) gets
 * a = 0 and ds = 0 exactly and costs no exp, so the causal half of the scores costs almost nothing.
 *
 * <p>The scores are [R, Tq, Tk] with R = B·nh (sequence-major, head-minor, as the batched products give them);
 * rows of Tk contiguous keys, the [R, Tq] row grid any strides (a step's scores are the first S + T columns of a
 * wider buffer). The sums run in double whatever the data type.
 */
final class MaskedSoftmax {
  private MaskedSoftmax() {}

  /**
   * Which keys each query sees: key j ≤ past + i for query i under the causal mask, and for a real query only
   * real keys. A padded query sees every key its position allows: with left padding all of its keys can be
   * padding, and its output is masked to 0 anyway.
   *
   * @param heads nh
   * @param past S, the keys before the first query (0 in a training forward)
   * @param queryMask [B·Tq], 1 for a real query, or null for all real
   * @param keyMask [B·Tk], 1 for a real key, or null for all real
   */
  record Visibility(long heads, long past, boolean causal, double[] queryMask, double[] keyMask) {
    /** The keys [0, limit) of query i: later keys are hidden under the causal mask. */
    long limit(long i, long keys) {
      return causal ? Math.min(keys, past + i + 1) : keys;
    }

    /** Whether query i of sequence b, a real query, must skip padded keys. */
    boolean skipsPadding(long b, long i, long queries) {
      return keyMask != null && (queryMask == null || queryMask[(int) (b * queries + i)] != 0);
    }

    boolean sees(long b, long j, long keys) {
      return keyMask[(int) (b * keys + j)] != 0;
    }
  }

  /** Scores [R, Tq, Tk] to weights, in place. */
  static void forward(INDArray scores, double scale, Visibility v) {
    Rows s = Rows.of(scores);
    int keys = (int) s.keys();
    double[] row = new double[keys];
    for (long r = 0; r < s.count(); r++) {
      long i = r % s.queries();
      long b = r / s.queries() / v.heads();
      int limit = (int) v.limit(i, keys);
      boolean skip = v.skipsPadding(b, i, s.queries());
      s.elements().read(s.base(r), row, limit);
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < limit; j++) {
        if (!skip || v.sees(b, j, keys)) {
          max = Math.max(max, row[j]);
        }
      }
      double sum = 0;
      for (int j = 0; j < limit; j++) {
        double e = !skip || v.sees(b, j, keys) ? Math.exp((row[j] - max) * scale) : 0;
        row[j] = e;
        sum += e;
      }
      double inverse = 1 / sum;
      for (int j = 0; j < limit; j++) {
        row[j] *= inverse;
      }
      Arrays.fill(row, limit, keys, 0);
      s.elements().write(s.base(r), row, keys);
    }
  }

  /**
   * dL/dweights to dL/dscores, in place: ds_j = a_j·(da_j - Σ_k da_k·a_k)·scale, the softmax's Jacobian
   * diag(a) - a aᵀ applied to da, then the scale. Hidden keys have a = 0, so ds = 0 there.
   *
   * @param weights [R, Tq, Tk], the forward's
   * @param dWeights [R, Tq, Tk], overwritten by dL/dscores
   */
  static void backward(INDArray weights, INDArray dWeights, double scale, Visibility v) {
    Rows a = Rows.of(weights);
    Rows d = Rows.of(dWeights);
    int keys = (int) a.keys();
    double[] att = new double[keys];
    double[] dAtt = new double[keys];
    for (long r = 0; r < a.count(); r++) {
      int limit = (int) v.limit(r % a.queries(), keys);
      a.elements().read(a.base(r), att, limit);
      d.elements().read(d.base(r), dAtt, limit);
      double dot = 0;
      for (int j = 0; j < limit; j++) {
        dot += dAtt[j] * att[j];
      }
      for (int j = 0; j < limit; j++) {
        dAtt[j] = att[j] * (dAtt[j] - dot) * scale;
      }
      Arrays.fill(dAtt, limit, keys, 0);
      d.elements().write(d.base(r), dAtt, keys);
    }
  }

  /** The rows of an [R, Tq, Tk] array, in its whole native buffer. */
  private record Rows(NativeElements elements, long offset, long stride0, long stride1, long queries, long keys,
      long count) {
    static Rows of(INDArray x) {
      if (x.rank() != 3 || (x.size(2) > 1 && x.stride(2) != 1)) {
        throw new IllegalArgumentException("scores must be [R, Tq, Tk] with contiguous keys, got shape "
            + Arrays.toString(x.shape()) + " strides " + Arrays.toString(x.stride()));
      }
      return new Rows(NativeElements.of(x), x.offset(), x.stride(0), x.stride(1), x.size(1), x.size(2),
          x.size(0) * x.size(1));
    }

    /** Where row r = (sequence·nh + head)·Tq + i starts. */
    long base(long r) {
      return offset + (r / queries) * stride0 + (r % queries) * stride1;
    }
  }
}
