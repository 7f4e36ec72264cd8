package org.npffn.stack.ffn;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * Forward and backward of one d -> h -> d FFN on n token rows, written into caller-owned arrays: the dense
 * FFN runs it on all N rows, an MoE expert on the rows routed to it.
 *
 * <p>Both activations are x·σ(a·x) ({@link Gelu}): GELU in its sigmoid form with a = 1.702, and SiLU with
 * a = 1 for SwiGLU. Every product is a gemm into a preallocated array, because allocation, not arithmetic,
 * costs in ND4J.
 */
public final class FfnKernel {
  private FfnKernel() {}

  /**
   * The work arrays of one kernel call on n rows: pre [n, h·p], sig [n, h], hid [n, h], y [n, d] written by
   * the forward and read by the backward, and dHid, silu [n, h], scratch of the backward.
   */
  public record Work(INDArray pre, INDArray sig, INDArray hid, INDArray y, INDArray dHid, INDArray silu) {

    /** Rows [from, to) of every array: contiguous views, so one Work can serve several experts. */
    public Work rows(long from, long to) {
      return new Work(slice(pre, from, to), slice(sig, from, to), slice(hid, from, to), slice(y, from, to),
          slice(dHid, from, to), slice(silu, from, to));
    }

    private static INDArray slice(INDArray a, long from, long to) {
      return RowBlockView.rows(a, from, to);
    }
  }

  /** Work arrays for n rows from {@code buffers}, named with {@code prefix}. */
  public static Work arrays(ScratchBuffers buffers, String prefix, DataType dt, long n, long d, long h,
      FfnActivation act) {
    return new Work(buffers.get(prefix + "pre", dt, n, act.inputProjections() * h),
        buffers.get(prefix + "sig", dt, n, h), buffers.get(prefix + "hid", dt, n, h),
        buffers.get(prefix + "y", dt, n, d), buffers.get(prefix + "dHid", dt, n, h),
        buffers.get(prefix + "silu", dt, n, h));
  }

  /**
   * Forward: y = act(x W1 + b1) W2 + b2. Keeps pre, sig and hid in {@code work} for the backward.
   *
   * <p>The three steps are also public, so an MoE can run the projections per expert and the activation once
   * over all experts' rows.
   *
   * @param x input rows [n, d]
   */
  public static void forward(INDArray x, FfnWeights w, FfnActivation act, Work work) {
    inputProjection(x, w, work);
    activation(act, work);
    outputProjection(w, work);
  }

  /** 1. pre = x W1 + b1                                  [n, d] x [d, h·p] -> [n, h·p] */
  public static void inputProjection(INDArray x, FfnWeights w, Work work) {
    Nd4j.gemm(x, w.w1(), work.pre(), false, false, 1.0, 0.0);
    work.pre().addiRowVector(w.b1());
  }

  /** 2. hid = z·σ(a·z), z = pre (GELU) or its gate half (SwiGLU, which also multiplies by the up half). */
  public static void activation(FfnActivation act, Work work) {
    INDArray pre = work.pre();
    INDArray sig = work.sig();
    INDArray hid = work.hid();
    long h = hid.size(1);
    INDArray z = act == FfnActivation.GELU ? pre : gate(pre, h);
    Gelu.sigmoidWeighted(z, act == FfnActivation.GELU ? Gelu.SLOPE : 1.0, sig, hid);
    if (act == FfnActivation.SWIGLU) {
      hid.muli(up(pre, h));
    }
  }

  /** 3. y = hid W2 + b2                                  [n, h] x [h, d] -> [n, d] */
  public static void outputProjection(FfnWeights w, Work work) {
    Nd4j.gemm(work.hid(), w.w2(), work.y(), false, false, 1.0, 0.0);
    work.y().addiRowVector(w.b2());
  }

  /**
   * Backward, walking the forward in reverse. Overwrites the gradients in {@code g}; destroys work.pre and
   * work.sig.
   *
   * @param x the forward's input rows [n, d]
   * @param dy dL/dy [n, d]
   * @param g out: parameter gradients
   * @param dx out: dL/dx [n, d], or null to skip it
   * @param buffers holds the ones row of the bias sums
   */
  public static void backward(INDArray x, FfnWeights w, FfnActivation act, Work work, INDArray dy, FfnWeights g,
      INDArray dx, ScratchBuffers buffers) {
    outputProjectionBackward(w, work, dy, g, buffers);
    activationBackward(act, work);
    inputProjectionBackward(x, w, work, g, dx, buffers);
  }

  /** 3. forward was y = hid W2 + b2: dW2 = hid^T dy, db2 = sum_rows dy, dhid = dy W2^T (into work.dHid). */
  public static void outputProjectionBackward(FfnWeights w, Work work, INDArray dy, FfnWeights g,
      ScratchBuffers buffers) {
    Nd4j.gemm(work.hid(), dy, g.w2(), true, false, 1.0, 0.0);
    ColumnSums.into(dy, g.b2(), buffers);
    Nd4j.gemm(dy, w.w2(), work.dHid(), false, true, 1.0, 0.0);
  }

  /** 2. forward was act(z) = z·s, s = σ(a·z): act'(z) = s + a·act(z)·(1 - s); dpre is written over pre. */
  public static void activationBackward(FfnActivation act, Work work) {
    INDArray pre = work.pre();
    INDArray sig = work.sig();
    INDArray hid = work.hid();
    INDArray dHid = work.dHid();
    long h = hid.size(1);
    if (act == FfnActivation.GELU) {
      Gelu.backward(pre, sig, hid, dHid);
    } else {
      // hid = silu(g) ⊙ u: du = dhid ⊙ silu(g); dg = dhid ⊙ u ⊙ (s + silu(g) ⊙ (1 - s))
      INDArray gate = gate(pre, h);
      INDArray up = up(pre, h);
      INDArray silu = work.silu();
      gate.mul(sig, silu);
      // written over gate, which is no longer needed: no [n, h] temporary
      sig.rsub(1.0, gate).muli(silu).addi(sig).muli(up).muli(dHid);
      silu.mul(dHid, up);
    }
  }

  /** 1. forward was pre = x W1 + b1: dW1 = x^T dpre, db1 = sum_rows dpre, dx = dpre W1^T (dx may be null). */
  public static void inputProjectionBackward(INDArray x, FfnWeights w, Work work, FfnWeights g, INDArray dx,
      ScratchBuffers buffers) {
    inputProjectionBackward(x, w, work, g, dx, false, buffers);
  }

  /** The same, adding dpre W1^T to dx instead of overwriting it when {@code addToDx}. */
  public static void inputProjectionBackward(INDArray x, FfnWeights w, Work work, FfnWeights g, INDArray dx,
      boolean addToDx, ScratchBuffers buffers) {
    Nd4j.gemm(x, work.pre(), g.w1(), true, false, 1.0, 0.0);
    ColumnSums.into(work.pre(), g.b1(), buffers);
    if (dx != null) {
      Nd4j.gemm(work.pre(), w.w1(), dx, false, true, 1.0, addToDx ? 1.0 : 0.0);
    }
  }

  private static INDArray gate(INDArray pre, long h) {
    return pre.get(all(), interval(0, h));
  }

  private static INDArray up(INDArray pre, long h) {
    return pre.get(all(), interval(h, 2 * h));
  }
}
