package org.npffn.np;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.Gelu;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.SlotCombine;
import org.npffn.stack.routing.TopKRouter;

/**
 * Inference top-k (forward only; training is always dense): each token keeps its k largest groups by α and only
 * those groups are computed. Tokens are dispatched per group like an MoE's experts ({@link TopKRouter}): group
 * g runs its column block of W_up and U and its row block of W_down on its tokens' rows,
 *
 * <pre>
 *   y_t = Σ_{g ∈ K_t} gate_tg · gelu(x_t W_up[:, g] + r_t U[:, g] + b_up[g]) W_down[g, :] + b_down
 * </pre>
 *
 * with gate_tg = s_tg, or renormalised s_tg · Σ_g' s_tg' / Σ_{g' ∈ K_t} s_tg' (M·α_g / Σ_kept α for softmax
 * groups), so k = M with renormalisation is exactly the dense function.
 */
final class TopKGroups {
  /** The output rows, and the tokens each group computed (the usage load under top-k). */
  record Output(INDArray y, double[] load) {}

  private TopKGroups() {}

  static Output forward(NpFfn c, ScratchBuffers buffers, Map<String, INDArray> params, INDArray x, INDArray r,
      GroupSelector.Scales s, boolean[] real, int k, boolean renormalise) {
    int n = (int) x.size(0);
    int m = c.getGroups();
    long d = c.getNIn();
    long hg = c.groupWidth();
    DataType dt = x.dataType();
    double[] scale = s.scale();
    Routing routing = TopKRouter.route(s.alpha(), scale, real, m, k, Integer.MAX_VALUE, Overflow.DROP,
        renormalise);
    int slots = routing.slots();
    // dispatch: xs = x[slotToken], rs = r[slotToken], rows in group order                [S, d], [S, r]
    INDArray xs = buffers.get("sxs", dt, slots + 1L, d).get(interval(0, slots), all());
    INDArray rs = buffers.get("srs", dt, slots + 1L, c.getContextWidth()).get(interval(0, slots), all());
    RowGather.into(x, routing.slotToken(), xs);
    RowGather.into(r, routing.slotToken(), rs);
    INDArray ys = buffers.get("sys", dt, slots + 1L, d);
    // group g owns Wup columns and Wdown rows g·h/M ..: the column blocks are copied out of the flat view once
    // per pass, the row blocks are views
    INDArray wUp = params.get(NpFfn.W_UP).dup('c');
    INDArray bUp = params.get(NpFfn.B_UP).dup('c');
    INDArray u = c.isContextProjection() ? params.get(NpFfn.U).dup('c') : null;
    double[] slotGate = routing.slotGate().clone();
    if (renormalise) {
      // the router normalised the kept scales to sum to 1: times the token's total scale over all groups
      for (int sl = 0; sl < slots; sl++) {
        int row = routing.slotToken()[sl];
        double total = 0;
        for (int g = 0; g < m; g++) {
          total += scale[row * m + g];
        }
        slotGate[sl] *= total;
      }
    }
    INDArray gates = Nd4j.create(slotGate.length == 0 ? new double[1] : slotGate,
        new long[] {Math.max(slots, 1), 1}, DataType.DOUBLE).castTo(dt);
    INDArray pre = buffers.get("spre", dt, slots + 1L, hg);
    INDArray sig = buffers.get("ssig", dt, slots + 1L, hg);
    double[] load = new double[m];
    for (int g = 0; g < m; g++) {
      int from = routing.expertOffset()[g];
      int to = routing.expertOffset()[g + 1];
      load[g] = to - from;
      if (to == from) {
        continue;
      }
      // group g on its rows: ys = (gelu(xs W_up,g + rs U_g + b_up,g) ⊙ gate) W_down,g       [S_g, d]
      INDArray wUpG = buffers.get("wUp" + g, dt, d, hg).assign(wUp.get(all(), interval(g * hg, (g + 1) * hg)));
      INDArray preG = pre.get(interval(from, to), all());
      Nd4j.gemm(xs.get(interval(from, to), all()), wUpG, preG, false, false, 1.0, 0.0);
      preG.addiRowVector(bUp.get(all(), interval(g * hg, (g + 1) * hg)));
      if (u != null) {
        INDArray uG = buffers.get("u" + g, dt, c.getContextWidth(), hg).assign(u.get(all(),
            interval(g * hg, (g + 1) * hg)));
        Nd4j.gemm(rs.get(interval(from, to), all()), uG, preG, false, false, 1.0, 1.0);
      }
      Gelu.forward(preG, sig.get(interval(from, to), all()), preG);
      preG.muliColumnVector(gates.get(interval(from, to), all()));
      INDArray wDownG = RowBlockView.rows(params.get(NpFfn.W_DOWN), g * hg, (g + 1) * hg);
      Nd4j.gemm(preG, wDownG, RowBlockView.rows(ys, from, to), false, false, 1.0, 0.0);
    }
    // y_t = Σ_j ys[slot(t, j)]: the gates are already in; dropped choices read the zero row S
    ys.getRow(slots).assign(0);
    INDArray y = buffers.get("y", dt, n, d);
    SlotCombine.unweighted(routing, slots).into(ys, y, buffers.get("picked", dt, n, d));
    y.addiRowVector(params.get(NpFfn.B_DOWN));
    return new Output(y, load);
  }
}
