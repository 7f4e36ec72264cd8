package org.npffn.eval.bench;

import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.moe.Gating;
import org.npffn.moe.MoeFfn;
import org.npffn.stack.ffn.FfnActivation;

/**
 * The ReLU-routed MoE's (ReMoE's) training step recomputed in double precision, the reference of the
 * "moe-relu" case:
 *
 * <pre>
 *   g_t = ReLU(x_t Wr)                                       router, [N, E]
 *   y_t = Σ_{e: g_te > 0} g_te · FFN_e(x_t)                  the experts of MoeReference.experts
 *   score += λ·N·L_reg, L_reg = (1/N) Σ_t Σ_e f_e g_te,      f_e = E/(k·N)·#{t: g_te > 0}, a count
 * </pre>
 *
 * and its backward: dL/dlogit_te = (dy_t · FFN_e(x_t) + λ·f_e)·[g_te > 0], dWr = x^T dlogits, dx += dlogits Wr^T.
 * Selection is the sign of the double-precision logits: the bench builds its
 * inputs with a margin around 0 that float32 rounding cannot cross. Covers the bench's config only.
 */
final class ReluMoeReference {
  private ReluMoeReference() {}

  /** @return "y", "dx", "dWr" and each expert parameter's "d" + key (the λ exponent and shift are state: no gradient) */
  static Map<String, INDArray> step(MoeFfn conf, Map<String, INDArray> params, double lambda, INDArray x,
      INDArray dy) {
    Preconditions.checkArgument(conf.getGating() == Gating.RELU && conf.getRouterRank() == 0
        && conf.getNShared() == 0 && conf.getZLossWeight() == 0 && conf.getActivation() == FfnActivation.GELU
        && conf.getReluShiftRate() == 0,
        "ReluMoeReference covers the bench's ReLU MoE only, not %s", conf);
    int n = (int) x.size(0);
    int e = conf.getNExperts();
    long d = x.size(1);
    INDArray xd = x.castTo(DataType.DOUBLE);
    INDArray wr = params.get(MoeFfn.ROUTER).castTo(DataType.DOUBLE);
    double[] logits = xd.mmul(wr).dup('c').data().asDouble(); //                             [N·E]
    double[] gate = new double[n * e];
    boolean[] chosen = new boolean[n * e];
    double[] f = new double[e];
    for (int i = 0; i < n * e; i++) {
      chosen[i] = logits[i] > 0;
      gate[i] = Math.max(0, logits[i]);
      f[i % e] += chosen[i] ? (double) e / ((double) conf.getTopK() * n) : 0;
    }
    MoeReference.Experts ex = MoeReference.experts(params, xd, dy.castTo(DataType.DOUBLE), gate, chosen, n, e);
    double[] dl = new double[n * e];
    for (int i = 0; i < n * e; i++) {
      dl[i] = chosen[i] ? ex.dGate()[i] + lambda * f[i % e] : 0;
    }
    INDArray dlArr = Nd4j.create(dl, new long[] {n, e}, DataType.DOUBLE);
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", Nd4j.create(ex.y(), new long[] {n, d}, DataType.DOUBLE));
    out.put("dx", Nd4j.create(ex.dx(), new long[] {n, d}, DataType.DOUBLE).addi(dlArr.mmul(wr.transpose())));
    out.put("d" + MoeFfn.ROUTER, xd.transpose().mmul(dlArr));
    out.putAll(ex.grads());
    return out;
  }
}
