package org.npffn.np;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * φ, the encoder of context points: e_t = φ(c_t), a GELU MLP c -> r -> r whose input c_t is h_t (TOKEN) or
 * the pair [h_{t-1}; h_t] (TRANSITION, h_{-1} = 0).
 *
 * <p>The pair is never built. Its first layer splits as c_t W1 = h_{t-1} W1a + h_t W1b with W1 = [W1a; W1b],
 * so the forward computes x W1a and x W1b on the [N, d] rows and moves the first product down one position
 * within each sequence, and the backward moves dpre up one position: passes over [N, r] rows instead of
 * strided copies and adds of [N, 2d] arrays, which cost about a tenth of a training step (docs/benchmarks.md).
 */
final class ContextEncoder {
  private final NpFfn conf;
  private final ScratchBuffers buffers;

  ContextEncoder(NpFfn conf, ScratchBuffers buffers) {
    this.conf = conf;
    this.buffers = buffers;
  }

  /** e = φ(c) for the rows x [N, d] of B sequences of length T; returns the work arrays, e in {@code y}. */
  FfnKernel.Work forward(INDArray x, int b, int t, Map<String, INDArray> params) {
    return forward(x, b, t, params, null);
  }

  /**
   * The same continuing a sequence (an rnnTimeStep): {@code previousHalf} [B, r] is h_{-1} W1a of each
   * sequence's token before this chunk (TRANSITION; null or zeros when there is none).
   */
  FfnKernel.Work forward(INDArray x, int b, int t, Map<String, INDArray> params, INDArray previousHalf) {
    FfnKernel.Work phi = work(x.dataType(), b * t);
    FfnWeights w = weights(params);
    if (conf.getContextMode() == ContextMode.TOKEN) {
      FfnKernel.inputProjection(x, w, phi);
    } else {
      transitionInput(x, t, w, phi.pre());
      if (previousHalf != null && t == 1) {
        // a one-token step (decoding): every row is a chunk's first row; an indexed view costs more than the add
        phi.pre().addi(previousHalf);
      } else if (previousHalf != null) {
        // the chunk's first row pairs with the token before the chunk:  pre[b·T] += h_{-1} W1a
        phi.pre().reshape('c', b, t, conf.getContextWidth()).get(NDArrayIndex.all(), NDArrayIndex.point(0),
            NDArrayIndex.all()).addi(previousHalf);
      }
    }
    FfnKernel.activation(FfnActivation.GELU, phi);
    FfnKernel.outputProjection(w, phi);
    return phi;
  }

  /**
   * h_t W1a [B, r] of each sequence's last row t = T-1, from the last TRANSITION forward, as B·r row-major
   * doubles: what the next chunk's first row pairs with.
   */
  double[] lastHalves(DataType dt, int b, int t) {
    int r = conf.getContextWidth();
    INDArray halves = buffers.get("phi.halves", dt, (long) b * t, 2L * r); //                         [B·T, 2r]
    if (t == 1) {
      // every row is a last row (a decode step): the W1a columns of all of them, without an indexed view
      return ColumnBlock.read(halves, 0, r, new double[b * r]);
    }
    return halves.reshape('c', b, t, 2L * r).get(NDArrayIndex.all(), NDArrayIndex.point(t - 1),
        NDArrayIndex.interval(0, r)).dup('c').data().asDouble();
  }

  /**
   * pre_t = h_{t-1} W1a + h_t W1b + b1                                               [N, r]
   *
   * <p>One product x [W1a | W1b] [N, 2r], whose W1a half is added one row down within each sequence with b1
   * in one pass (SequenceShift): a sequence's first row has no predecessor (h_{-1} = 0). One gemm of 2r
   * columns is faster than two of r (tools/microbench/PhiPairs.java, docs/benchmarks.md).
   */
  private void transitionInput(INDArray x, int t, FfnWeights w, INDArray pre) {
    INDArray halves = buffers.get("phi.halves", x.dataType(), x.rows(), 2L * conf.getContextWidth());
    Nd4j.gemm(x, sideBySide(w.w1()), halves, false, false, 1.0, 0.0); //                   [N, 2r]
    SequenceShift.sumPairs(halves, w.b1(), pre, t);
  }

  /**
   * [W1a | W1b] [d, 2r] from W1 = [W1a; W1b] [2d, r], copied on every forward; the backward reads the last
   * forward's copy, as it reads the forward's other arrays (the parameters do not change in between).
   */
  private INDArray sideBySide(INDArray w1) {
    long d = conf.getNIn();
    int r = conf.getContextWidth();
    INDArray ab = buffers.get("phi.w1ab", w1.dataType(), d, 2L * r);
    ColumnBlock.writeRows(w1, 0, ab, 0);
    ColumnBlock.writeRows(w1, d, ab, r);
    return ab;
  }

  /**
   * Back through φ: writes φ's gradients into {@code gradViews} and adds dL/dx into {@code dx}.
   *
   * @param de dL/de [N, r]
   */
  void backward(INDArray x, int b, int t, INDArray de, Map<String, INDArray> params,
      Map<String, INDArray> gradViews, INDArray dx) {
    int n = b * t;
    long d = conf.getNIn();
    DataType dt = x.dataType();
    FfnKernel.Work phi = work(dt, n);
    FfnWeights w = weights(params);
    FfnWeights g = weights(gradViews);
    FfnKernel.outputProjectionBackward(w, phi, de, g, buffers);
    FfnKernel.activationBackward(FfnActivation.GELU, phi);
    if (conf.getContextMode() == ContextMode.TOKEN) {
      FfnKernel.inputProjectionBackward(x, w, phi, g, dx, true, buffers);
      return;
    }
    INDArray dpre = phi.pre(); //                                                          [N, r]
    // forward was pre_t = h_{t-1} W1a + h_t W1b + b1: W1a's half meets dpre_{t+1} of the same sequence
    int r = conf.getContextWidth();
    INDArray halves = buffers.get("phi.dHalves", dt, n, 2L * r); //               [dpre_{t+1} | dpre_t], [N, 2r]
    SequenceShift.spreadPairs(dpre, halves, t);
    INDArray dAb = buffers.get("phi.dw1ab", dt, d, 2L * r); //                                    [d, 2r]
    Nd4j.gemm(x, halves, dAb, true, false, 1.0, 0.0);
    ColumnBlock.read(dAb, 0, RowBlockView.rows(g.w1(), 0, d));
    ColumnBlock.read(dAb, r, RowBlockView.rows(g.w1(), d, 2 * d));
    ColumnSums.into(dpre, g.b1(), buffers);
    Nd4j.gemm(halves, buffers.get("phi.w1ab", w.w1().dataType(), d, 2L * r), dx, false, true, 1.0, 1.0);
  }

  private FfnKernel.Work work(DataType dt, int n) {
    return FfnKernel.arrays(buffers, "phi.", dt, n, conf.getContextWidth(), conf.getContextWidth(),
        FfnActivation.GELU);
  }

  private static FfnWeights weights(Map<String, INDArray> table) {
    return FfnWeights.from(table, NpFfn.PHI_W1, NpFfn.PHI_B1, NpFfn.PHI_W2, NpFfn.PHI_B2);
  }
}
