package org.npffn.eval.bench;

import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.np.ContextMode;
import org.npffn.np.GroupGating;
import org.npffn.np.NpFfn;

/**
 * The NP layer recomputed in double precision from its equations (NpFfn, docs/np-layer.md) with plain products,
 * forward and backward by hand: the reference of the np cases. None of the layer's code is reused (ContextEncoder's
 * shifted halves, ContextAggregator's scan, the [x | r] stacking, row blocks). It covers the bench's
 * configuration: transition context, softmax groups, the context projection U, no decay, no padding.
 *
 * <pre>
 *   c_t = [h_{t-1}; h_t] (h_{-1} = 0);  e_t = φ(c_t)           φ: PlainFfn; t is the position in the sequence
 *   r_t = (r_0 + Σ_{1 ≤ i ≤ t} e_i) / (t + 1)                 a pair exists from t = 1; the prior counts as one
 *   a = gelu(h Wup + r U + bup)                                [N, h]
 *   α = softmax((h Ah + r Ar) Aout)                            [N, M]
 *   y = (a ⊙ expand(M·α)) Wdown + bdown                        group g owns units g·h/M .. (g+1)·h/M - 1
 * </pre>
 */
final class NpReference {
  private static final double SLOPE = 1.702;
  private final Map<String, INDArray> p = new LinkedHashMap<>();
  private final int length;
  private final int n;
  private final int m;
  private final long d;
  private final long hg;
  private final INDArray x;
  private final PlainFfn phi;
  private final INDArray r;
  private final INDArray pre;
  private final INDArray sig;
  private final INDArray act;
  private final INDArray z1;
  private final INDArray alpha;
  private final INDArray gated;
  private final INDArray y;

  /** The forward on rows {@code rows} [N, d] of N / T sequences, with the layer's parameters (any precision). */
  NpReference(NpFfn conf, Map<String, INDArray> params, INDArray rows, int length) {
    Preconditions.checkArgument(conf.getContextMode() == ContextMode.TRANSITION
        && conf.getGating() == GroupGating.SOFTMAX && conf.isContextProjection() && !conf.isDecay(),
        "NpReference covers the bench's NP only, not %s", conf);
    params.forEach((key, v) -> p.put(key, v.castTo(DataType.DOUBLE)));
    this.length = length;
    x = rows.castTo(DataType.DOUBLE);
    n = (int) x.size(0);
    d = x.size(1);
    m = conf.getGroups();
    hg = conf.getHidden() / m;
    // c_t = [h_{t-1}; h_t]                                                                      [N, 2d]
    INDArray previous = Nd4j.zeros(DataType.DOUBLE, n, d);
    for (int row = 0; row < n; row++) {
      if (row % length != 0) {
        previous.putRow(row, x.getRow(row - 1));
      }
    }
    phi = PlainFfn.forward(Nd4j.hstack(previous, x), p.get(NpFfn.PHI_W1), p.get(NpFfn.PHI_B1),
        p.get(NpFfn.PHI_W2), p.get(NpFfn.PHI_B2));
    // r_t = (r_0 + Σ_{1 ≤ i ≤ t} e_i) / (t + 1), a running sum per sequence                      [N, r]
    INDArray e = phi.y();
    r = Nd4j.create(DataType.DOUBLE, n, e.size(1));
    INDArray sum = Nd4j.create(DataType.DOUBLE, 1, e.size(1));
    for (int row = 0; row < n; row++) {
      int t = row % length;
      if (t == 0) {
        sum.assign(p.get(NpFfn.PRIOR));
      } else {
        sum.addi(e.getRow(row, true));
      }
      r.putRow(row, sum.div(t + 1));
    }
    pre = x.mmul(p.get(NpFfn.W_UP)).addi(r.mmul(p.get(NpFfn.U))).addiRowVector(p.get(NpFfn.B_UP));
    sig = Transforms.sigmoid(pre.mul(SLOPE), false);
    act = pre.mul(sig);
    z1 = x.mmul(p.get(NpFfn.A_H)).addi(r.mmul(p.get(NpFfn.A_R))); //                                   [N, k]
    alpha = Transforms.softmax(z1.mmul(p.get(NpFfn.A_OUT)), false);
    gated = byGroup(act, alpha.mul(m));
    y = gated.mmul(p.get(NpFfn.W_DOWN)).addRowVector(p.get(NpFfn.B_DOWN));
  }

  /** α [N·M] row-major. */
  double[] alpha() {
    return alpha.dup('c').data().asDouble();
  }

  /** "y", "dx" and "d" + every parameter's key, for dL/dy {@code dy} [N, d]. */
  Map<String, INDArray> training(INDArray dy) {
    INDArray g = dy.castTo(DataType.DOUBLE);
    Map<String, INDArray> grads = new LinkedHashMap<>();
    // forward was y = gated Wdown + bdown
    grads.put(NpFfn.W_DOWN, gated.transpose().mmul(g));
    grads.put(NpFfn.B_DOWN, g.sum(true, 0));
    INDArray dGated = g.mmul(p.get(NpFfn.W_DOWN).transpose());
    // forward was gated = a ⊙ expand(M·α): dα_g = M·Σ_{j in g} dgated_j a_j, da = dgated ⊙ expand(M·α)
    INDArray dAlpha = dGated.mul(act).reshape('c', n, m, hg).sum(2).muli(m); //                         [N, M]
    INDArray dAct = byGroup(dGated, alpha.mul(m));
    // forward was α = softmax(logits): dlogits = α ⊙ (dα - Σ_g dα_g α_g)
    INDArray dLogits = alpha.mul(dAlpha.subColumnVector(dAlpha.mul(alpha).sum(true, 1)));
    // forward was logits = z1 Aout, z1 = h Ah + r Ar
    grads.put(NpFfn.A_OUT, z1.transpose().mmul(dLogits));
    INDArray dz1 = dLogits.mmul(p.get(NpFfn.A_OUT).transpose());
    grads.put(NpFfn.A_H, x.transpose().mmul(dz1));
    grads.put(NpFfn.A_R, r.transpose().mmul(dz1));
    INDArray dx = dz1.mmul(p.get(NpFfn.A_H).transpose());
    INDArray dr = dz1.mmul(p.get(NpFfn.A_R).transpose());
    // forward was a = pre·s, s = σ(1.702 pre): da/dpre = s + 1.702·pre·s·(1 - s)
    INDArray dPre = dAct.mul(sig.add(pre.mul(sig).mul(sig.rsub(1.0)).mul(SLOPE)));
    // forward was pre = h Wup + r U + bup
    grads.put(NpFfn.W_UP, x.transpose().mmul(dPre));
    grads.put(NpFfn.B_UP, dPre.sum(true, 0));
    grads.put(NpFfn.U, r.transpose().mmul(dPre));
    dx.addi(dPre.mmul(p.get(NpFfn.W_UP).transpose()));
    dr.addi(dPre.mmul(p.get(NpFfn.U).transpose()));
    // forward was r_t = (r_0 + Σ_{1 ≤ i ≤ t} e_i) / (t + 1): dr_0 = Σ_t dr_t / (t + 1) and, for i ≥ 1,
    // de_i = Σ_{t ≥ i} dr_t / (t + 1) within the sequence, a running sum from its end
    INDArray de = Nd4j.zeros(DataType.DOUBLE, n, dr.size(1));
    INDArray dPrior = Nd4j.zeros(DataType.DOUBLE, 1, dr.size(1));
    INDArray tail = Nd4j.zeros(DataType.DOUBLE, 1, dr.size(1));
    for (int row = n - 1; row >= 0; row--) {
      int t = row % length;
      if (t == length - 1) {
        tail.assign(0);
      }
      INDArray share = dr.getRow(row, true).div(t + 1);
      dPrior.addi(share);
      tail.addi(share);
      if (t > 0) {
        de.putRow(row, tail);
      }
    }
    grads.put(NpFfn.PRIOR, dPrior);
    // forward was e = φ(c), c_t = [h_{t-1}; h_t]: h_t gets dc_t's second half and dc_{t+1}'s first
    PlainFfn.Grads gPhi = phi.backward(de, p.get(NpFfn.PHI_W1), p.get(NpFfn.PHI_W2));
    grads.put(NpFfn.PHI_W1, gPhi.dW1());
    grads.put(NpFfn.PHI_B1, gPhi.db1());
    grads.put(NpFfn.PHI_W2, gPhi.dW2());
    grads.put(NpFfn.PHI_B2, gPhi.db2());
    INDArray dc = gPhi.dx();
    dx.addi(dc.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)));
    for (int row = 1; row < n; row++) {
      if (row % length != 0) {
        dx.getRow(row - 1).addi(dc.get(NDArrayIndex.point(row), NDArrayIndex.interval(0, d)));
      }
    }
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", y);
    out.put("dx", dx);
    grads.forEach((key, v) -> out.put("d" + key, v));
    return out;
  }

  /**
   * y [N, d] of top-k inference: each token's kept groups weighted M·α_g / Σ_kept α, the others dropped. The
   * kept groups follow the run's {@code runChoice} [N·k] at near ties ({@link MoeReference#select} on log α).
   */
  INDArray topK(int k, int[] runChoice) {
    double[] a = alpha();
    double[] logAlpha = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      logAlpha[i] = Math.log(a[i]);
    }
    boolean[] kept = MoeReference.select(logAlpha, runChoice, n, m, k);
    double[] gate = new double[a.length];
    for (int row = 0; row < n; row++) {
      double sum = 0;
      for (int g = 0; g < m; g++) {
        sum += kept[row * m + g] ? a[row * m + g] : 0;
      }
      for (int g = 0; g < m; g++) {
        gate[row * m + g] = kept[row * m + g] ? m * a[row * m + g] / sum : 0;
      }
    }
    INDArray gates = Nd4j.create(gate, new long[] {n, m}, DataType.DOUBLE);
    return byGroup(act, gates).mmul(p.get(NpFfn.W_DOWN)).addRowVector(p.get(NpFfn.B_DOWN));
  }

  /** units [N, M·h/M] with group g's units times s[:, g]                                     [N, h] x [N, M] */
  private INDArray byGroup(INDArray units, INDArray s) {
    INDArray out = units.dup('c');
    out.reshape('c', n, m, hg).muli(s.reshape('c', n, m, 1));
    return out;
  }
}
