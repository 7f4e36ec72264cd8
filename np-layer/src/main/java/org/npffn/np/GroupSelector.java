package org.npffn.np;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;
import org.npffn.stack.routing.RowSoftmax;

/**
 * Step 6 of the NP layer, forward and backward: the scale s_t of each of the M groups of hidden units.
 *
 * <pre>
 *   SOFTMAX:  z1 = [h_t; r_t] A1 = [x | r] [A_h; A_r]                                        [N, k]
 *             α_t = softmax(z1 A_out),  s_t = M·α_t                                         [N, M]
 *   FILM:     s_t = 1 + tanh(G r_t) (Perez et al. 2018),  α_t = s_t / Σ_g s_tg (the shares)  [N, M]
 * </pre>
 *
 * A_out and G start at zero, so s_t = 1 and the layer starts as a dense FFN.
 */
final class GroupSelector {
  /** What the forward keeps for the backward, [N·M] row-major each: the shares α, the scales s, the logits. */
  record Scales(double[] alpha, double[] scale, double[] logits) {}

  private final NpFfn conf;
  private final ScratchBuffers buffers;

  GroupSelector(NpFfn conf, ScratchBuffers buffers) {
    this.conf = conf;
    this.buffers = buffers;
  }

  /** The scales for the rows r [N, r] (softmax groups also read [x | r], see JointInput). */
  Scales forward(INDArray r, Map<String, INDArray> params) {
    int n = (int) r.size(0);
    int m = conf.getGroups();
    DataType dt = r.dataType();
    INDArray logitsArr = buffers.get("selLogits", dt, n, m);
    if (conf.getGating() == GroupGating.SOFTMAX) {
      // z1 = [h; r] A1 = [x | r] [Ah; Ar]; logits = z1 Aout
      INDArray z1 = buffers.get("z1", dt, n, conf.getSelectorRank());
      INDArray xr = buffers.get("xr", dt, n, conf.getNIn() + conf.getContextWidth());
      Nd4j.gemm(xr, selectorIn(params), z1, false, false, 1.0, 0.0);
      Nd4j.gemm(z1, params.get(NpFfn.A_OUT), logitsArr, false, false, 1.0, 0.0);
    } else {
      Nd4j.gemm(r, params.get(NpFfn.FILM), logitsArr, false, false, 1.0, 0.0);
    }
    double[] logits = RowGather.values(logitsArr, buffers.doubles("selectorLogits", n * m));
    double[] alpha = buffers.doubles("alpha", n * m);
    double[] scale = buffers.doubles("scale", n * m);
    for (int row = 0; row < n; row++) {
      if (conf.getGating() == GroupGating.SOFTMAX) {
        RowSoftmax.forward(logits, row, m, alpha);
        for (int g = 0; g < m; g++) {
          scale[row * m + g] = m * alpha[row * m + g];
        }
      } else {
        double sum = 0;
        for (int g = 0; g < m; g++) {
          scale[row * m + g] = 1 + Math.tanh(logits[row * m + g]);
          sum += scale[row * m + g];
        }
        for (int g = 0; g < m; g++) {
          alpha[row * m + g] = scale[row * m + g] / sum; // the groups' shares, for the statistics
        }
      }
    }
    return new Scales(alpha, scale, logits);
  }

  /**
   * Back from dL/ds [N·M]: the selector's gradients into gradViews, and its share of dL/d[x | r] added into
   * {@code dxr} (softmax; written over it when the up-projection did not write it, i.e. without U), or
   * returned as dL/dr [N, r] (FiLM; null for softmax).
   */
  INDArray backward(Scales s, double[] dScale, INDArray r, INDArray xr, INDArray dxr, Map<String, INDArray> params,
      Map<String, INDArray> gradViews) {
    int n = (int) r.size(0);
    int m = conf.getGroups();
    DataType dt = r.dataType();
    double[] dLogits = buffers.doubles("dLogits", n * m);
    double[] dAlpha = new double[m]; //                                   one row's dL/dα, reused per row
    for (int row = 0; row < n; row++) {
      if (conf.getGating() == GroupGating.SOFTMAX) {
        // scale = M·α, α = softmax(logits): dα = M·dscale
        for (int g = 0; g < m; g++) {
          dAlpha[g] = m * dScale[row * m + g];
        }
        RowSoftmax.backward(s.alpha(), row, m, dAlpha, dLogits);
      } else {
        // scale = 1 + tanh(q): dq = dscale ⊙ (1 - tanh²(q))
        for (int g = 0; g < m; g++) {
          double th = Math.tanh(s.logits()[row * m + g]);
          dLogits[row * m + g] = dScale[row * m + g] * (1 - th * th);
        }
      }
    }
    INDArray dl = buffers.get("dSelLogits", dt, n, m);
    RowGather.setValues(dl, dLogits);
    if (conf.getGating() == GroupGating.SOFTMAX) {
      // forward was logits = z1 Aout: dAout = z1^T dl, dz1 = dl Aout^T
      INDArray z1 = buffers.get("z1", dt, n, conf.getSelectorRank());
      Nd4j.gemm(z1, dl, gradViews.get(NpFfn.A_OUT), true, false, 1.0, 0.0);
      INDArray dz1 = buffers.get("dz1", dt, n, conf.getSelectorRank());
      Nd4j.gemm(dl, params.get(NpFfn.A_OUT), dz1, false, true, 1.0, 0.0);
      // forward was z1 = [x | r] [Ah; Ar]
      Nd4j.gemm(xr, dz1, selectorIn(gradViews), true, false, 1.0, 0.0);
      Nd4j.gemm(dz1, selectorIn(params), dxr, false, true, 1.0, conf.isContextProjection() ? 1.0 : 0.0);
      return null;
    }
    // forward was logits = r G: dG = r^T dl, dr = dl G^T
    Nd4j.gemm(r, dl, gradViews.get(NpFfn.FILM), true, false, 1.0, 0.0);
    INDArray drFilm = buffers.get("drFilm", dt, n, conf.getContextWidth());
    Nd4j.gemm(dl, params.get(NpFfn.FILM), drFilm, false, true, 1.0, 0.0);
    return drFilm;
  }

  /** [Ah; Ar] [d + r, k], the selector's first factor on [h; r]: NpFfnParams declares Ar right after Ah. */
  private static INDArray selectorIn(Map<String, INDArray> table) {
    return RowBlockView.stacked(table.get(NpFfn.A_H), table.get(NpFfn.A_R));
  }
}
