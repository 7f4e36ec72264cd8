package org.npffn.stack.ffn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * Forward and backward of one d -> h -> d FFN on n token rows, written into caller-owned arrays: the dense
 * FFN runs it on all N rows, an MoE expert on the rows routed to it.
 *
 * <p>Every product is a gemm into a preallocated array and every activation runs in place, because
 * allocation, not arithmetic, is what costs in ND4J on CPU.
 */
public final class FfnKernel {
  private FfnKernel() {}

  /**
   * Forward. Keeps for the backward: {@code pre}, the pre-activation, and {@code hid}, the hidden rows.
   *
   * @param x input rows [n, d]
   * @param w parameters
   * @param act the activation
   * @param pre out: x W1 + b1, [n, h·p]
   * @param hid out: act(pre), [n, h]
   * @param y out: hid W2 + b2, [n, d]
   */
  public static void forward(INDArray x, FfnWeights w, FfnActivation act, INDArray pre, INDArray hid, INDArray y) {
    // 1. pre = x W1 + b1            [n, d] x [d, h·p] -> [n, h·p]
    Nd4j.gemm(x, w.w1(), pre, false, false, 1.0, 0.0);
    pre.addiRowVector(w.b1());
    // 2. hid = act(pre)             [n, h]
    if (act == FfnActivation.GELU) {
      Nd4j.exec(new GELU(pre, hid));
    } else {
      long h = hid.size(1);
      Nd4j.exec(new Swish(gate(pre, h), hid)); // silu(x W_g)
      hid.muli(up(pre, h)); //                   ⊙ (x W_u)
    }
    // 3. y = hid W2 + b2            [n, h] x [h, d] -> [n, d]
    Nd4j.gemm(hid, w.w2(), y, false, false, 1.0, 0.0);
    y.addiRowVector(w.b2());
  }

  /**
   * Backward, walking the forward in reverse. Overwrites the gradients in {@code g} and destroys {@code pre}.
   *
   * @param x the forward's input rows [n, d]
   * @param w parameters
   * @param act the activation
   * @param pre the forward's pre-activation [n, h·p]; holds dL/dpre on return
   * @param hid the forward's hidden rows [n, h]
   * @param dy dL/dy [n, d]
   * @param g out: parameter gradients
   * @param dx out: dL/dx [n, d], or null to skip it
   * @param buffers scratch for dL/dhid (and silu for SwiGLU)
   * @param prefix names the scratch arrays, so several kernels can share one ScratchBuffers
   */
  public static void backward(INDArray x, FfnWeights w, FfnActivation act, INDArray pre, INDArray hid,
      INDArray dy, FfnWeights g, INDArray dx, ScratchBuffers buffers, String prefix) {
    long n = x.size(0);
    long h = hid.size(1);
    // 3. forward was y = hid W2 + b2: dW2 = hid^T dy, db2 = sum_rows dy, dhid = dy W2^T
    Nd4j.gemm(hid, dy, g.w2(), true, false, 1.0, 0.0);
    g.b2().assign(dy.sum(true, 0));
    INDArray dHid = buffers.get(prefix + "dHid", dy.dataType(), n, h);
    Nd4j.gemm(dy, w.w2(), dHid, false, true, 1.0, 0.0);
    // 2. forward was hid = act(pre): dpre = dhid ⊙ act'(pre), written over pre
    if (act == FfnActivation.GELU) {
      Nd4j.exec(new GELUDerivative(pre, pre));
      pre.muli(dHid);
    } else {
      // hid = silu(g) ⊙ u: dg = dhid ⊙ u ⊙ silu'(g), du = dhid ⊙ silu(g)
      INDArray gate = gate(pre, h);
      INDArray up = up(pre, h);
      INDArray silu = buffers.get(prefix + "silu", pre.dataType(), n, h);
      Nd4j.exec(new Swish(gate, silu));
      Nd4j.exec(new SwishDerivative(gate, gate));
      gate.muli(up).muli(dHid);
      up.assign(silu.muli(dHid));
    }
    // 1. forward was pre = x W1 + b1: dW1 = x^T dpre, db1 = sum_rows dpre, dx = dpre W1^T
    Nd4j.gemm(x, pre, g.w1(), true, false, 1.0, 0.0);
    g.b1().assign(pre.sum(true, 0));
    if (dx != null) {
      Nd4j.gemm(pre, w.w1(), dx, false, true, 1.0, 0.0);
    }
  }

  private static INDArray gate(INDArray pre, long h) {
    return pre.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, h));
  }

  private static INDArray up(INDArray pre, long h) {
    return pre.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(h, 2 * h));
  }
}
