package org.npffn.np;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.Gelu;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * Steps 4, 5, 7 and 8 of the NP layer, the decoder on all M groups (training and dense inference), forward and
 * backward:
 *
 * <pre>
 *   4. pre = [x | r] [W_up; U] + b_up   (x W_up + b_up without U)                    [N, h]
 *   5. a = gelu(pre)                                                                 [N, h]
 *   7. gated = a ⊙ expand(s)           group g owns the units g·h/M .. (g+1)·h/M - 1  [N, h]
 *   8. y = gated W_down + b_down                                                     [N, d]
 * </pre>
 */
final class Decoder {
  /** Passes of at most this many hidden values ([N, h]) scale their groups on the JVM heap (scaleOnHeap). */
  static final long SMALL_PASS = 1 << 14;

  /** The output rows, and the context reliance ‖U r_t‖ / ‖W_up h_t + b‖ (inference passes with U, else NaN). */
  record Output(INDArray y, double reliance) {}

  private final NpFfn conf;
  private final ScratchBuffers buffers;

  Decoder(NpFfn conf, ScratchBuffers buffers) {
    this.conf = conf;
    this.buffers = buffers;
  }

  /**
   * @param measureReliance whether an inference pass measures the context reliance (a full pass does; a decode
   *     step skips its two row norms and adds U r straight into pre)
   */
  Output forward(INDArray x, INDArray r, double[] scale, boolean[] real, boolean training, boolean measureReliance,
      Map<String, INDArray> params) {
    DataType dt = x.dataType();
    int n = (int) x.rows();
    long d = conf.getNIn();
    long h = conf.getHidden();
    // 4. pre = [x | r] [Wup; U] + bup, or x Wup + bup                                 [N, h]
    INDArray pre = buffers.get("pre", dt, n, h);
    double reliance = Double.NaN;
    if (conf.isContextProjection() && training) {
      Nd4j.gemm(buffers.get("xr", dt, n, d + conf.getContextWidth()), upAndU(params), pre, false, false, 1.0, 0.0);
    } else {
      Nd4j.gemm(x, params.get(NpFfn.W_UP), pre, false, false, 1.0, 0.0);
    }
    pre.addiRowVector(params.get(NpFfn.B_UP));
    if (conf.isContextProjection() && !training && measureReliance) {
      // context reliance ‖U r_t‖ / ‖W_up h_t + b‖ costs two row norms over [N, h]: full inference passes only
      INDArray ru = buffers.get("ru", dt, n, h);
      Nd4j.gemm(r, params.get(NpFfn.U), ru, false, false, 1.0, 0.0);
      reliance = GroupStatistics.contextReliance(ru, pre, real);
      pre.addi(ru);
    } else if (conf.isContextProjection() && !training) {
      Nd4j.gemm(r, params.get(NpFfn.U), pre, false, false, 1.0, 1.0);
    }
    // 5. a = gelu(pre) = pre·σ(1.702 pre)
    INDArray sig = buffers.get("sig", dt, n, h);
    INDArray act = buffers.get("act", dt, n, h);
    Gelu.forward(pre, sig, act);
    // 7. gated = a ⊙ expand(scale): as [N·M, h/M] rows this is one column broadcast of scale [N·M, 1], about
    //    4x cheaper than expanding scale with a 0/1 membership gemm (docs/benchmarks.md)
    INDArray gated = buffers.get("gated", dt, n, h);
    INDArray scales = buffers.get("scaleColumn", dt, (long) n * conf.getGroups(), 1); //          [N·M, 1]
    RowGather.setValues(scales, scale);
    if ((long) n * h <= SMALL_PASS) {
      scaleOnHeap(act, scale, gated);
    } else {
      Nd4j.exec(new BroadcastMulOp(byGroup(act), scales, byGroup(gated), 0));
    }
    // 8. y = gated Wdown + bdown
    INDArray y = buffers.get("y", dt, n, d);
    Nd4j.gemm(gated, params.get(NpFfn.W_DOWN), y, false, false, 1.0, 0.0);
    y.addiRowVector(params.get(NpFfn.B_DOWN));
    return new Output(y, reliance);
  }

  /**
   * Back from dL/dy (masked): the decoder's gradients into gradViews, dL/dx written into {@code dx} (without U)
   * or dL/d[x | r] into {@code dxr} (with U, see JointInput).
   *
   * @return dL/ds [N·M], for the selector
   */
  double[] backward(INDArray dy, INDArray x, INDArray dx, INDArray dxr, Map<String, INDArray> params,
      Map<String, INDArray> gradViews) {
    DataType dt = x.dataType();
    int n = (int) x.rows();
    int m = conf.getGroups();
    int width = conf.getContextWidth();
    long d = conf.getNIn();
    long h = conf.getHidden();
    INDArray pre = buffers.get("pre", dt, n, h);
    INDArray sig = buffers.get("sig", dt, n, h);
    INDArray act = buffers.get("act", dt, n, h);
    INDArray gated = buffers.get("gated", dt, n, h);
    // 8. forward was y = gated Wdown + bdown: dWdown = gated^T dy, dbdown = Σ dy, dgated = dy Wdown^T
    Nd4j.gemm(gated, dy, gradViews.get(NpFfn.W_DOWN), true, false, 1.0, 0.0);
    ColumnSums.into(dy, gradViews.get(NpFfn.B_DOWN), buffers);
    INDArray dGated = buffers.get("dGated", dt, n, h);
    Nd4j.gemm(dy, params.get(NpFfn.W_DOWN), dGated, false, true, 1.0, 0.0);
    // 7. forward was gated = a ⊙ expand(scale): dscale[n, g] = Σ_{j in group g} dgated[n, j]·a[n, j], one dot
    //    product per row of the [N·M, h/M] views (about half the time of a product pass plus a membership
    //    gemm, docs/benchmarks.md), and da = dgated ⊙ expand(scale)
    INDArray dScaleArr = buffers.get("dScale", dt, (long) n * m);
    Nd4j.exec(new Dot(byGroup(dGated), byGroup(act), dScaleArr, 1));
    double[] dScale = RowGather.values(dScaleArr, buffers.doubles("dScale", n * m));
    byGroup(dGated).muliColumnVector(buffers.get("scaleColumn", dt, (long) n * m, 1));
    // 5. forward was a = gelu(pre): dpre, over pre
    Gelu.backward(pre, sig, act, dGated);
    // 4. forward was pre = [x | r] [Wup; U] + bup (or x Wup + bup): d[Wup; U] = [x | r]^T dpre and
    //    dL/d[x | r] = dpre [Wup; U]^T, one gemm each
    ColumnSums.into(pre, gradViews.get(NpFfn.B_UP), buffers);
    if (conf.isContextProjection()) {
      INDArray xr = buffers.get("xr", dt, n, d + width);
      INDArray dUpAndU = buffers.get("dUpAndU", dt, d + width, h); //                          [d + r, h]
      Nd4j.gemm(xr, pre, dUpAndU, true, false, 1.0, 0.0);
      gradViews.get(NpFfn.W_UP).assign(RowBlockView.rows(dUpAndU, 0, d));
      gradViews.get(NpFfn.U).assign(RowBlockView.rows(dUpAndU, d, d + width));
      // [Wup; U] as the training forward stacked it (the parameters do not change in between)
      Nd4j.gemm(pre, buffers.get("upAndU", dt, d + width, h), dxr, false, true, 1.0, 0.0);
    } else {
      Nd4j.gemm(x, pre, gradViews.get(NpFfn.W_UP), true, false, 1.0, 0.0);
      Nd4j.gemm(pre, params.get(NpFfn.W_UP), dx, false, true, 1.0, 0.0);
    }
    return dScale;
  }

  /**
   * Group u's contribution act[:, group u] · W_down[group u, :] [N, d] from the activations the last dense
   * forward kept, before its gate and without b_down.
   */
  INDArray groupOutput(int u, long n, DataType dt, Map<String, INDArray> params) {
    long hg = conf.groupWidth();
    INDArray act = buffers.get("act", dt, n, conf.getHidden()); //                                    [N, h]
    INDArray wDown = RowBlockView.rows(params.get(NpFfn.W_DOWN), u * hg, (u + 1) * hg); //              [h/M, d]
    return act.get(all(), interval(u * hg, (u + 1) * hg)).mmul(wDown); //                             [N, d]
  }

  /**
   * [Wup; U] [d + r, h], copied side by side once per training forward (the backward reads the same copy):
   * the parameters keep their order (U after bdown), so saved models and initial values stay as they were.
   */
  private INDArray upAndU(Map<String, INDArray> params) {
    INDArray wUp = params.get(NpFfn.W_UP);
    INDArray stack = buffers.get("upAndU", wUp.dataType(), conf.getNIn() + conf.getContextWidth(),
        conf.getHidden());
    RowBlockView.rows(stack, 0, conf.getNIn()).assign(wUp);
    RowBlockView.rows(stack, conf.getNIn(), conf.getNIn() + conf.getContextWidth()).assign(params.get(NpFfn.U));
    return stack;
  }

  /**
   * gated = a ⊙ expand(scale) on the JVM heap, for a pass of few rows (a decode step): a broadcast op's
   * dispatch costs more than the products (decode/np/t=512's JFR profile had it at 8% of the NP layer's step).
   * Each scale is first rounded to a's type, as the broadcast reads it from the scaleColumn buffer, and a product
   * of two floats is exact in double, so both ways give the same bits.
   */
  private void scaleOnHeap(INDArray act, double[] scale, INDArray gated) {
    int size = (int) act.length();
    int groupWidth = (int) conf.groupWidth();
    boolean single = act.dataType() == DataType.FLOAT;
    double[] values = RowGather.values(act, buffers.doubles("gatedValues", size));
    for (int i = 0; i < size; i++) {
      double s = scale[i / groupWidth];
      values[i] *= single ? (float) s : s;
    }
    RowGather.setValues(gated, values);
  }

  /** [N, h] seen as [N·M, h/M]: row n·M + g holds token n's units of group g. */
  private INDArray byGroup(INDArray hidden) {
    int m = conf.getGroups();
    return hidden.reshape('c', hidden.size(0) * m, hidden.size(1) / m);
  }
}
