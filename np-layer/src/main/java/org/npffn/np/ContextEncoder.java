package org.npffn.np;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * φ, the encoder of context points: e_t = φ(c_t), a GELU MLP c -> r -> r whose input c_t is h_t (TOKEN) or
 * the pair [h_{t-1}; h_t] (TRANSITION, h_{-1} = 0).
 *
 * <p>The pair is never built. Its first layer splits as c_t W1 = h_{t-1} W1a + h_t W1b with W1 = [W1a; W1b],
 * so the forward computes x W1a and x W1b on the [N, d] rows and moves the first product down one position
 * within each sequence, and the backward moves dpre up one position: two [N, r] row gathers instead of
 * strided copies and adds of [N, 2d] arrays, which cost ~20 ms of a 170 ms step at N = 4096, d = 256 (measured).
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
    FfnKernel.Work phi = work(x.dataType(), b * t);
    FfnWeights w = weights(params);
    if (conf.getContextMode() == ContextMode.TOKEN) {
      FfnKernel.inputProjection(x, w, phi);
    } else {
      transitionInput(x, b, t, w, phi.pre());
    }
    FfnKernel.activation(FfnActivation.GELU, phi);
    FfnKernel.outputProjection(w, phi);
    return phi;
  }

  /** pre_t = h_{t-1} W1a + h_t W1b + b1                                               [N, r] */
  private void transitionInput(INDArray x, int b, int t, FfnWeights w, INDArray pre) {
    int n = b * t;
    long d = conf.getNIn();
    DataType dt = x.dataType();
    INDArray previous = buffers.get("phi.previous", dt, n + 1L, conf.getContextWidth()); // x W1a and a zero row
    Nd4j.gemm(x, RowBlockView.rows(w.w1(), 0, d), RowBlockView.rows(previous, 0, n), false, false, 1.0, 0.0);
    previous.getRow(n).assign(0);
    RowGather.into(previous, shifted(b, t, -1), pre);
    Nd4j.gemm(x, RowBlockView.rows(w.w1(), d, 2 * d), pre, false, false, 1.0, 1.0);
    pre.addiRowVector(w.b1());
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
    // forward was pre_t = h_{t-1} W1a + h_t W1b + b1: the h_s W1a term reaches pre_{s+1}
    INDArray padded = buffers.get("phi.dprePadded", dt, n + 1L, conf.getContextWidth());
    RowBlockView.rows(padded, 0, n).assign(dpre);
    padded.getRow(n).assign(0);
    INDArray next = buffers.get("phi.dpreNext", dt, n, conf.getContextWidth()); //         [N, r], dpre_{t+1}
    RowGather.into(padded, shifted(b, t, +1), next);
    Nd4j.gemm(x, next, RowBlockView.rows(g.w1(), 0, d), true, false, 1.0, 0.0);
    Nd4j.gemm(x, dpre, RowBlockView.rows(g.w1(), d, 2 * d), true, false, 1.0, 0.0);
    ColumnSums.into(dpre, g.b1(), buffers);
    Nd4j.gemm(next, RowBlockView.rows(w.w1(), 0, d), dx, false, true, 1.0, 1.0);
    Nd4j.gemm(dpre, RowBlockView.rows(w.w1(), d, 2 * d), dx, false, true, 1.0, 1.0);
  }

  /**
   * Row indices moving each sequence's rows by {@code step} positions (−1: row t reads t − 1; +1: row t reads
   * t + 1); positions that fall outside their sequence read row N, the zero row.
   */
  private static int[] shifted(int b, int t, int step) {
    int n = b * t;
    int[] index = new int[n];
    for (int row = 0; row < n; row++) {
      int p = row % t + step;
      index[row] = p < 0 || p >= t ? n : row + step;
    }
    return index;
  }

  private FfnKernel.Work work(DataType dt, int n) {
    return FfnKernel.arrays(buffers, "phi.", dt, n, conf.getContextWidth(), conf.getContextWidth(),
        FfnActivation.GELU);
  }

  private static FfnWeights weights(Map<String, INDArray> table) {
    return FfnWeights.from(table, NpFfn.PHI_W1, NpFfn.PHI_B1, NpFfn.PHI_W2, NpFfn.PHI_B2);
  }
}
