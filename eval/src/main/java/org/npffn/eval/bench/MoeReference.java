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
 * The MoE layer's training step recomputed in double precision, expert by expert with plain products: the
 * reference of the MoE cases. What the bench's MoE computes:
 *
 * <pre>
 *   p_t = softmax(x_t Wr)                                   router, [N, E]
 *   K_t = the top-k experts of p_t;  g_te = p_te / Σ_{e' ∈ K_t} p_te'   (e ∈ K_t)
 *   y_t = Σ_{e ∈ K_t} g_te · FFN_e(x_t)                     FFN_e: PlainFfn with expert e's weights
 *   aux = α·E·Σ_e f_e·P_e                                   Switch loss (Fedus et al. 2021, eq. 4), f_e the
 *                                                           share of the k·N choices, P_e the mean of p_te
 * </pre>
 *
 * and its backward for dL/dy, with the aux loss in DL4J's score scale (BalanceLosses: dL/dp_te += α·E·f_e per
 * token). None of the layer's dispatch is reused (slots, gathers into buffers, parallel parts), nor the masked
 * oracle's stacked weights. It covers the bench's MoE: no padding, no capacity limit, no noise, shared experts,
 * z-loss or loss-free bias (the config is checked; padding is not, the bench has none).
 *
 * <p>Selection: float32 and double logits may order a near tie either way. The reference keeps the run's
 * experts for a token when they are a top-k of the double-precision logits up to {@link #TIE}, and otherwise
 * routes the token to the double-precision top-k, so a kernel that picks a clearly worse expert differs in y.
 */
final class MoeReference {
  /**
   * Logits this close, relative to the token's largest |logit|, are a tie float32 may break either way: the
   * rounding to expect of a float32 logit over d = 256 products is about √256·2^-24 ≈ 1e-6, relatively.
   */
  static final double TIE = 1e-4;

  private MoeReference() {}

  /**
   * @param x input rows [N, d]
   * @param dy dL/dy rows [N, d]
   * @param runChoice the experts the run chose, [N·k] (Routing.choiceExpert)
   * @param throughRouter true: dx includes the router's term and dWr is returned (the layer's backward);
   *     false: the gates are held fixed, experts only (the masked oracle's backward)
   * @return "y", "dx", then "dWr" (if throughRouter) and "d" + each expert parameter's key
   */
  static Map<String, INDArray> step(MoeFfn conf, Map<String, INDArray> params, INDArray x, INDArray dy,
      int[] runChoice, boolean throughRouter) {
    Preconditions.checkArgument(conf.getGating() == Gating.SOFTMAX && conf.isRenormalize()
        && conf.getRouterRank() == 0 && !conf.isNoisy() && conf.getNShared() == 0
        && conf.getCapacityFactor() == null && !conf.isLossFreeBalancing() && conf.getZLossWeight() == 0
        && conf.getActivation() == FfnActivation.GELU, "MoeReference covers the bench's MoE only, not %s", conf);
    int n = (int) x.size(0);
    int e = conf.getNExperts();
    int k = conf.getTopK();
    long d = x.size(1);
    INDArray xd = x.castTo(DataType.DOUBLE);
    INDArray dyd = dy.castTo(DataType.DOUBLE);
    INDArray wr = params.get(MoeFfn.ROUTER).castTo(DataType.DOUBLE);
    double[] logits = values(xd.mmul(wr)); //                                          [N·E]
    double[] p = softmaxRows(logits, n, e);
    boolean[] chosen = select(logits, runChoice, n, e, k);
    double[] gate = new double[n * e];
    for (int t = 0; t < n; t++) {
      double z = 0;
      for (int i = 0; i < e; i++) {
        z += chosen[t * e + i] ? p[t * e + i] : 0;
      }
      for (int i = 0; i < e; i++) {
        gate[t * e + i] = chosen[t * e + i] ? p[t * e + i] / z : 0;
      }
    }

    Experts ex = experts(params, xd, dyd, gate, chosen, n, e);
    double[] y = ex.y();
    double[] dx = ex.dx();
    double[] dGate = ex.dGate();
    Map<String, INDArray> grads = ex.grads();
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", Nd4j.create(y, new long[] {n, d}, DataType.DOUBLE));
    INDArray dxArr = Nd4j.create(dx, new long[] {n, d}, DataType.DOUBLE);
    out.put("dx", dxArr);
    if (throughRouter) {
      // forward was logits = x Wr: dWr = x^T dh, dx += dh Wr^T
      INDArray dh = Nd4j.create(logitGrad(p, gate, dGate, chosen, n, e, k, conf.getAuxLossWeight()),
          new long[] {n, e}, DataType.DOUBLE);
      out.put("d" + MoeFfn.ROUTER, xd.transpose().mmul(dh));
      dxArr.addi(dh.mmul(wr.transpose()));
    }
    out.putAll(grads);
    return out;
  }

  /**
   * The experts' part of a step, shared with the ReLU reference: y_t = Σ_e g_te · FFN_e(x_t) over the chosen
   * (t, e), its dx, dL/dg_te = dy_t · FFN_e(x_t), and each expert's parameter gradients ("d" + key).
   */
  record Experts(double[] y, double[] dx, double[] dGate, Map<String, INDArray> grads) {}

  static Experts experts(Map<String, INDArray> params, INDArray xd, INDArray dyd, double[] gate, boolean[] chosen,
      int n, int e) {
    long d = xd.size(1);
    double[] y = new double[n * (int) d];
    double[] dx = new double[n * (int) d];
    double[] dGate = new double[n * e]; //                 dL/dg_te = dy_t · FFN_e(x_t), for the router
    Map<String, INDArray> grads = new LinkedHashMap<>();
    for (int i = 0; i < e; i++) {
      String w1 = MoeFfn.expertKey(i, MoeFfn.W1);
      String b1 = MoeFfn.expertKey(i, MoeFfn.B1);
      String w2 = MoeFfn.expertKey(i, MoeFfn.W2);
      String b2 = MoeFfn.expertKey(i, MoeFfn.B2);
      int[] rows = tokensOf(chosen, n, e, i);
      if (rows.length == 0) {
        for (String key : new String[] {w1, b1, w2, b2}) {
          grads.put("d" + key, Nd4j.zeros(DataType.DOUBLE, params.get(key).shape()));
        }
        continue;
      }
      // forward of expert i on its tokens                                                   [n_i, d]
      PlainFfn f = PlainFfn.forward(xd.getRows(rows), params.get(w1), params.get(b1), params.get(w2),
          params.get(b2));
      double[] ye = values(f.y());
      INDArray dyRows = dyd.getRows(rows);
      double[] dye = values(dyRows);
      double[] g = new double[rows.length];
      for (int r = 0; r < rows.length; r++) {
        int t = rows[r];
        g[r] = gate[t * e + i];
        double dot = 0;
        for (int c = 0; c < d; c++) {
          y[t * (int) d + c] += g[r] * ye[r * (int) d + c];
          dot += dye[r * (int) d + c] * ye[r * (int) d + c];
        }
        dGate[t * e + i] = dot;
      }
      // forward was y_t += g_ti · FFN_i(x_t): the expert sees g_ti · dy_t
      INDArray gColumn = Nd4j.create(g, new long[] {rows.length, 1}, DataType.DOUBLE);
      PlainFfn.Grads gr = f.backward(dyRows.mulColumnVector(gColumn), params.get(w1), params.get(w2));
      double[] dxe = values(gr.dx());
      for (int r = 0; r < rows.length; r++) {
        for (int c = 0; c < d; c++) {
          dx[rows[r] * (int) d + c] += dxe[r * (int) d + c];
        }
      }
      grads.put("d" + w1, gr.dW1());
      grads.put("d" + b1, gr.db1());
      grads.put("d" + w2, gr.dW2());
      grads.put("d" + b2, gr.db2());
    }

    return new Experts(y, dx, dGate, grads);
  }

  /**
   * dL/dlogits [N·E]. Forward was g_te = p_te / Z_t over K_t, and the aux loss reads every p_te:
   * dL/dp_te = [e ∈ K_t]·(dg_te - Σ_{e'} dg_te'·g_te') / Z_t + α·E·f_e; then p = softmax(logits):
   * dL/dlogit_te = p_te·(dL/dp_te - Σ_{e'} dL/dp_te'·p_te').
   */
  private static double[] logitGrad(double[] p, double[] gate, double[] dGate, boolean[] chosen, int n, int e,
      int k, double alpha) {
    double[] auxGrad = new double[e];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < e; i++) {
        auxGrad[i] += chosen[t * e + i] ? alpha * e / ((double) k * n) : 0; //          α·E·f_e, f_e = count / kN
      }
    }
    double[] dh = new double[n * e];
    double[] dp = new double[e];
    for (int t = 0; t < n; t++) {
      double z = 0;
      double dot = 0;
      for (int i = 0; i < e; i++) {
        z += chosen[t * e + i] ? p[t * e + i] : 0;
        dot += dGate[t * e + i] * gate[t * e + i];
      }
      double s = 0;
      for (int i = 0; i < e; i++) {
        dp[i] = (chosen[t * e + i] ? (dGate[t * e + i] - dot) / z : 0) + auxGrad[i];
        s += dp[i] * p[t * e + i];
      }
      for (int i = 0; i < e; i++) {
        dh[t * e + i] = p[t * e + i] * (dp[i] - s);
      }
    }
    return dh;
  }

  /**
   * Per token, the units (experts, or the NP layer's groups) the reference routes to, [N·E]: the run's {@code
   * runChoice} where it names k distinct units whose scores are all at least the best other score minus {@link
   * #TIE} times the token's largest |score|, else the top-k of the scores (ties to the lower index).
   *
   * @param logits [N·E] log-scale scores: logits, or log α
   */
  static boolean[] select(double[] logits, int[] runChoice, int n, int e, int k) {
    boolean[] chosen = new boolean[n * e];
    for (int t = 0; t < n; t++) {
      int distinct = 0;
      for (int j = 0; j < k; j++) {
        int ex = runChoice[t * k + j];
        if (ex >= 0 && ex < e && !chosen[t * e + ex]) {
          chosen[t * e + ex] = true;
          distinct++;
        }
      }
      double scale = 0;
      double worstChosen = Double.POSITIVE_INFINITY;
      double bestOther = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < e; i++) {
        double l = logits[t * e + i];
        scale = Math.max(scale, Math.abs(l));
        if (chosen[t * e + i]) {
          worstChosen = Math.min(worstChosen, l);
        } else {
          bestOther = Math.max(bestOther, l);
        }
      }
      if (distinct == k && worstChosen >= bestOther - TIE * scale) {
        continue;
      }
      for (int i = 0; i < e; i++) {
        chosen[t * e + i] = false;
      }
      for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < e; i++) {
          if (!chosen[t * e + i] && (best < 0 || logits[t * e + i] > logits[t * e + best])) {
            best = i;
          }
        }
        chosen[t * e + best] = true;
      }
    }
    return chosen;
  }

  private static double[] softmaxRows(double[] logits, int n, int e) {
    double[] p = new double[n * e];
    for (int t = 0; t < n; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < e; i++) {
        max = Math.max(max, logits[t * e + i]);
      }
      double sum = 0;
      for (int i = 0; i < e; i++) {
        p[t * e + i] = Math.exp(logits[t * e + i] - max);
        sum += p[t * e + i];
      }
      for (int i = 0; i < e; i++) {
        p[t * e + i] /= sum;
      }
    }
    return p;
  }

  /** The elements of a matrix in row-major order, whatever its own order (a product may come back in 'f'). */
  private static double[] values(INDArray m) {
    return m.dup('c').data().asDouble();
  }

  /** The tokens routed to expert i, in token order. */
  private static int[] tokensOf(boolean[] chosen, int n, int e, int i) {
    int count = 0;
    for (int t = 0; t < n; t++) {
      count += chosen[t * e + i] ? 1 : 0;
    }
    int[] rows = new int[count];
    for (int t = 0, r = 0; t < n; t++) {
      if (chosen[t * e + i]) {
        rows[r++] = t;
      }
    }
    return rows;
  }
}
