package org.npffn.np;

import com.google.common.base.Preconditions;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * Steps 1-3 of the NP layer, forward and backward: the causal context summary of every position,
 *
 * <pre>
 *   e_i = φ(c_i)                                  c_i = h_i (TOKEN) or [h_{i-1}; h_i] (TRANSITION)   [N, r]
 *   r_t = (r_0 + Σ_{i ∈ ctx(t)} e_i) / (n_t + 1)   or its decayed mean, λ = σ(θ + 3)               [N, r]
 * </pre>
 *
 * a CNP-style permutation-invariant mean of encoded context points (Garnelo et al. 2018) in which the prior
 * r_0 counts as one point. φ is {@link ContextEncoder}, the scan {@link ContextAggregator}.
 */
final class ContextSummary {
  /** λ = σ(θ + 3): θ starts at 0, so the decay starts at 0.95 (a memory of about 20 tokens). */
  static final double DECAY_OFFSET = 3.0;

  private final NpFfn conf;
  private final ScratchBuffers buffers;
  /** Kept for the backward: which rows add a context point, and the scan's running sums. */
  private boolean[] points;
  private ContextAggregator.Scan scan;

  /**
   * Each sequence's running context between rnnTimeStep calls: the scan's S and W after its last position
   * [B·r], and for TRANSITION that position's h W1a [B·r] and whether it was real (a pair needs both tokens).
   * O(r) per sequence whatever the length: a step costs the same at position 10 and at 1000.
   */
  record Carry(double[] sum, double[] weight, double[] previousHalf, boolean[] previousReal) {}

  ContextSummary(NpFfn conf, ScratchBuffers buffers) {
    this.conf = conf;
    this.buffers = buffers;
  }

  /**
   * r [N·r] for the rows x [N, d] of B sequences of length T; padding adds no point. A pair (TRANSITION) needs
   * both of its tokens real; a sequence's first row has no pair, so its r is the prior alone.
   */
  double[] forward(INDArray x, boolean[] real, int b, int t, Map<String, INDArray> params) {
    return forward(x, real, b, t, params, null);
  }

  /**
   * The same continuing each sequence from {@code carry} (an rnnTimeStep), or from its start when carry is
   * null: the rows get the r_t the full forward gives them at their place in the whole sequence.
   */
  double[] forward(INDArray x, boolean[] real, int b, int t, Map<String, INDArray> params, Carry carry) {
    int n = b * t;
    // 1. which rows add a point; a chunk's first row pairs with the token before the chunk
    points = new boolean[n];
    for (int row = 0; row < n; row++) {
      boolean first = row % t == 0;
      boolean previousReal = first ? carry != null && carry.previousReal()[row / t] : real[row - 1];
      points[row] = conf.getContextMode() == ContextMode.TOKEN ? real[row] : real[row] && previousReal;
    }
    // 2. e = φ(c)                                                                     [N, r]
    int width = conf.getContextWidth();
    INDArray previousHalf = null;
    if (carry != null && conf.getContextMode() != ContextMode.TOKEN) {
      previousHalf = buffers.get("phi.previousHalf", x.dataType(), b, width);
      RowGather.setValues(previousHalf, carry.previousHalf());
    }
    FfnKernel.Work phi = new ContextEncoder(conf, buffers).forward(x, b, t, params, previousHalf);
    // 3. r_t = (r_0 + Σ e_i) / (n_t + 1), or its decayed form                          [N, r]
    int size = n * width;
    scan = ContextAggregator.forward(RowGather.values(phi.y(), buffers.doubles("e", size)), points, b, t,
        width, RowGather.values(params.get(NpFfn.PRIOR)), lambda(params),
        carry == null ? null : carry.sum(), carry == null ? null : carry.weight(),
        new ContextAggregator.Scan(buffers.doubles("scan.r", size), buffers.doubles("scan.s", size),
            buffers.doubles("scan.w", size)));
    return scan.r();
  }

  /** Where the last forward left each sequence: the carry of the next rnnTimeStep. */
  Carry carryAfter(INDArray x, boolean[] real, int b, int t) {
    int width = conf.getContextWidth();
    double[] sum = new double[b * width];
    double[] weight = new double[b * width];
    boolean[] previousReal = new boolean[b];
    for (int s = 0; s < b; s++) {
      int last = (s * t + t - 1) * width;
      System.arraycopy(scan.s(), last, sum, s * width, width);
      System.arraycopy(scan.w(), last, weight, s * width, width);
      previousReal[s] = real[s * t + t - 1];
    }
    double[] previousHalf = conf.getContextMode() == ContextMode.TOKEN ? new double[0]
        : new ContextEncoder(conf, buffers).lastHalves(x.dataType(), b, t);
    return new Carry(sum, weight, previousHalf, previousReal);
  }

  /** Back from dL/dr [N·r]: φ's, r_0's and θ's gradients into gradViews, and φ's share of dL/dx added to dx. */
  void backward(double[] dr, INDArray x, int b, int t, Map<String, INDArray> params,
      Map<String, INDArray> gradViews, INDArray dx) {
    int n = b * t;
    int width = conf.getContextWidth();
    // 3. forward was the context scan
    double[] de = buffers.doubles("de", n * width);
    double[] dPrior = new double[width];
    double[] lambda = lambda(params);
    double[] dLambda = lambda == null ? null : new double[width];
    ContextAggregator.backward(scan, dr, points, b, t, width,
        RowGather.values(params.get(NpFfn.PRIOR)), lambda, de, dPrior, dLambda);
    gradViews.get(NpFfn.PRIOR).assign(Nd4j.create(dPrior, new long[] {1, width}, DataType.DOUBLE));
    if (lambda != null) {
      // λ = σ(θ + offset): dθ = dλ · λ (1 - λ)
      for (int j = 0; j < width; j++) {
        dLambda[j] *= lambda[j] * (1 - lambda[j]);
      }
      gradViews.get(NpFfn.DECAY).assign(Nd4j.create(dLambda, new long[] {1, width}, DataType.DOUBLE));
    }
    // 2-1. forward was e = φ(c): back through φ into x
    INDArray deArray = buffers.get("de", x.dataType(), n, width);
    RowGather.setValues(deArray, de);
    new ContextEncoder(conf, buffers).backward(x, b, t, deArray, params, gradViews, dx);
  }

  /**
   * Sequence s's rows of r [B·T, r] replaced by sequence donors[s]'s: the context-reliance measurement
   * (NpFfnLayer.setContextDonors).
   */
  static double[] fromDonors(double[] r, int[] donors, int b, int t, int width, String layer) {
    Preconditions.checkArgument(donors.length == b, "%s: %s context donors for a batch of %s sequences",
        layer, donors.length, b);
    double[] out = new double[r.length];
    int block = t * width;
    for (int s = 0; s < b; s++) {
      Preconditions.checkArgument(donors[s] >= 0 && donors[s] < b, "%s: context donor %s of sequence %s is "
          + "outside [0, %s)", layer, donors[s], s, b);
      System.arraycopy(r, donors[s] * block, out, s * block, block);
    }
    return out;
  }

  /** λ per channel, or null for the plain mean. */
  private double[] lambda(Map<String, INDArray> params) {
    if (!conf.isDecay()) {
      return null;
    }
    double[] theta = RowGather.values(params.get(NpFfn.DECAY));
    double[] l = new double[theta.length];
    for (int j = 0; j < l.length; j++) {
      l[j] = 1 / (1 + Math.exp(-(theta[j] + DECAY_OFFSET)));
    }
    return l;
  }
}
