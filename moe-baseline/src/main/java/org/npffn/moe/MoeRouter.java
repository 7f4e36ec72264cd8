package org.npffn.moe;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.NonFiniteValueException;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.RowSoftmax;

/**
 * Step 1 of the MoE layer, the router, and its backward (2-1):
 *
 * <pre>
 *   logits = x W_r, or (x W_r1) W_r2 for the low-rank router (Boix-Adsera 2025)          [N, E]
 *   H = logits, plus ε ⊙ softplus(x W_n) in noisy training (NoisyGating)                 [N, E]
 *   q = softmax(H), σ(H) (DeepSeek-V3, eq. 13-15) or ReLU(H + b) (ReMoE, b its shift): the gate scores [N, E]
 *   P = q (softmax), q / Σ q (sigmoid): what the aux loss reads; z_t = logsumexp(logits_t) (the z-loss's)
 * </pre>
 *
 * [N, E] is small, so everything after the logits' gemm runs on Java arrays, tokens split over the cores.
 */
final class MoeRouter {
  /**
   * What the forward keeps for the backward and the statistics, [N·E] row-major.
   *
   * @param logits clean logits x Wr
   * @param noise the noisy-gating draw, or null
   * @param scores gate scores q: softmax or sigmoid of the (noisy) logits
   * @param balanceProbs the probabilities P of the aux loss
   * @param z logsumexp of the clean logits per token
   * @param real per token: not padding
   */
  record State(double[] logits, NoisyGating.Draw noise, double[] scores, double[] balanceProbs, double[] z,
      boolean[] real) {}

  private final MoeFfn conf;
  private final ScratchBuffers buffers;
  private final CoreParallel cores;

  MoeRouter(MoeFfn conf, ScratchBuffers buffers, CoreParallel cores) {
    this.conf = conf;
    this.buffers = buffers;
    this.cores = cores;
  }

  /**
   * @param iteration seeds noisy gating's draw
   * @param layer names the layer in the error of a non-finite logit
   */
  State forward(INDArray x, boolean[] real, boolean training, Map<String, INDArray> params, long iteration,
      String layer) {
    int n = (int) x.size(0);
    int e = conf.getNExperts();
    DataType dt = x.dataType();
    INDArray logitsArr = buffers.get("logits", dt, n, e);
    if (conf.getRouterRank() == 0) {
      Nd4j.gemm(x, params.get(MoeFfn.ROUTER), logitsArr, false, false, 1.0, 0.0);
    } else {
      INDArray u = buffers.get("routerU", dt, n, conf.getRouterRank()); //           [N, r]
      Nd4j.gemm(x, params.get(MoeFfn.ROUTER_DOWN), u, false, false, 1.0, 0.0);
      Nd4j.gemm(u, params.get(MoeFfn.ROUTER_UP), logitsArr, false, false, 1.0, 0.0);
    }
    double[] logits = RowGather.values(logitsArr);
    for (int t = 0; t < n; t++) {
      for (int i = 0; real[t] && i < e; i++) {
        if (!Double.isFinite(logits[t * e + i])) {
          throw new NonFiniteValueException(layer + ": router logit of expert " + i + " at row " + t + " is "
              + logits[t * e + i] + " (non-finite input or weights)");
        }
      }
    }
    NoisyGating.Draw noise = conf.isNoisy() && training
        ? NoisyGating.draw(conf, buffers, x, params, iteration) : null;
    double[] gateInput = noise == null ? logits : NoisyGating.apply(logits, noise);
    double[] scores = new double[n * e];
    // softmax (and ReLU) gating balance on the scores themselves; sigmoid gating on the scores normalised per token
    double[] balance = conf.getGating() == Gating.SIGMOID ? new double[n * e] : scores;
    double[] z = new double[n];
    double shift = conf.getGating() == Gating.RELU ? params.get(MoeFfn.RELU_SHIFT).getDouble(0) : 0;
    long[] cut = cores.rowBlocks(n, MoeFfnLayer.MIN_BLOCK_ROWS); //  tokens are independent: a block per core
    cores.run(cut.length - 1, p -> {
      for (int t = (int) cut[p]; t < cut[p + 1]; t++) {
        if (conf.getGating() == Gating.SOFTMAX) {
          double lse = RowSoftmax.forward(gateInput, t, e, scores);
          // without noise H is the logits, and z_t is the same log-sum-exp
          z[t] = gateInput == logits ? lse : RowSoftmax.logSumExp(logits, t, e);
        } else if (conf.getGating() == Gating.RELU) {
          // ReMoE: g = ReLU(logits + b), the gates themselves (b = 0 in the paper; ReluSparsity's shift)
          z[t] = RowSoftmax.logSumExp(logits, t, e);
          for (int i = 0; i < e; i++) {
            scores[t * e + i] = Math.max(0, gateInput[t * e + i] + shift);
          }
        } else {
          z[t] = RowSoftmax.logSumExp(logits, t, e);
          double sum = 0;
          for (int i = 0; i < e; i++) {
            scores[t * e + i] = NoisyGating.sigmoid(gateInput[t * e + i]);
            sum += scores[t * e + i];
          }
          for (int i = 0; i < e; i++) {
            balance[t * e + i] = scores[t * e + i] / sum;
          }
        }
      }
    });
    return new State(logits, noise, scores, balance, z, real);
  }

  /** Per choice (t, j): dL/dg_tj, the gradient of its slot's gate (0 when dropped or padding). */
  static double[] choiceGrad(Routing routing, double[] slotGrad) {
    int[] choiceSlot = routing.choiceSlot();
    double[] choiceGrad = new double[choiceSlot.length];
    for (int ch = 0; ch < choiceSlot.length; ch++) {
      choiceGrad[ch] = choiceSlot[ch] < 0 ? 0 : slotGrad[choiceSlot[ch]];
    }
    return choiceGrad;
  }

  /**
   * dL/dH [N·E] from the gate gradients and the aux loss, H being the logits the gates read (noisy in a noisy
   * training pass). The z-loss reads the clean logits instead: {@link #backward} adds its term.
   */
  double[] logitGrad(State s, Routing routing, double[] choiceGrad) {
    int n = routing.tokens();
    int e = conf.getNExperts();
    int k = conf.getTopK();
    double[] q = s.scores();
    boolean normalised = conf.getGating() == Gating.SIGMOID || conf.isRenormalize();
    double[] dq = new double[e]; //                                 dL/dq of one token, reused per token
    double[] auxGrad = conf.getAuxLossWeight() > 0
        ? BalanceLosses.auxGradPerToken(conf.getAuxLossWeight(), BalanceLosses.selectedFractions(routing)) : null;
    double[] dh = new double[n * e];
    for (int t = 0; t < n; t++) {
      if (!s.real()[t]) {
        continue;
      }
      Arrays.fill(dq, 0);
      // gates g_j = q[K_j] / Z (normalised): dq[K_j] = (dg_j - Σ_j' dg_j' g_j') / Z; else dq[K_j] = dg_j
      double dot = 0;
      for (int j = 0; j < k; j++) {
        dot += choiceGrad[t * k + j] * routing.choiceGate()[t * k + j];
      }
      for (int j = 0; j < k; j++) {
        int ex = routing.choiceExpert()[t * k + j];
        dq[ex] += normalised ? (choiceGrad[t * k + j] - dot) / routing.gateNorm()[t] : choiceGrad[t * k + j];
      }
      if (conf.getGating() == Gating.SOFTMAX) {
        if (auxGrad != null) {
          for (int i = 0; i < e; i++) {
            dq[i] += auxGrad[i]; // P_i is the mean of q[., i]
          }
        }
        // q = softmax(h): dh = q ⊙ (dq - Σ dq·q)
        RowSoftmax.backward(q, t, e, dq, dh);
      } else {
        if (auxGrad != null) {
          // P = q / Σq: dq_i += (a_i - Σ_j a_j P_j) / Σq with a = α·E·f
          double sum = 0;
          double dot2 = 0;
          for (int i = 0; i < e; i++) {
            sum += q[t * e + i];
            dot2 += auxGrad[i] * s.balanceProbs()[t * e + i];
          }
          for (int i = 0; i < e; i++) {
            dq[i] += (auxGrad[i] - dot2) / sum;
          }
        }
        // q = sigmoid(h): dh = dq ⊙ q(1 - q)
        for (int i = 0; i < e; i++) {
          dh[t * e + i] = dq[i] * q[t * e + i] * (1 - q[t * e + i]);
        }
      }
    }
    return dh;
  }

  /** Creates the buffers {@link #backward} uses, before it runs beside the experts (the parts only read buffers). */
  void prepareBackward(DataType dt, int n) {
    if (conf.getRouterRank() > 0) {
      buffers.get("routerDu", dt, n, conf.getRouterRank());
    }
  }

  /**
   * dL/dH [N·E] into the router (and noise) weight gradients, and the router's term of dx (written).
   *
   * <p>Forward was H = logits + ε·softplus(x Wn) (H = logits without noise); the gates and the aux loss read H,
   * the z-loss (Zoph et al. 2022, eq. 5) reads z_t = logsumexp(logits_t) of the clean logits. So dlogits =
   * dH + dzloss/dlogits, and x Wn gets dH alone: the z-loss has no path to Wn.
   */
  void backward(State s, INDArray x, double[] dH, Map<String, INDArray> params, Map<String, INDArray> gradViews,
      INDArray dx) {
    int n = (int) x.size(0);
    int e = conf.getNExperts();
    DataType dt = x.dataType();
    double[] dLogits = dH;
    if (conf.getZLossWeight() > 0) {
      dLogits = dH.clone();
      BalanceLosses.addZLossGrad(conf.getZLossWeight(), s.logits(), s.z(), s.real(), e, dLogits);
    }
    INDArray dl = Nd4j.create(dLogits, new long[] {n, e}, dt);
    if (conf.getRouterRank() == 0) {
      // forward was logits = x Wr: dWr = x^T dl, dx = dl Wr^T
      Nd4j.gemm(x, dl, gradViews.get(MoeFfn.ROUTER), true, false, 1.0, 0.0);
      Nd4j.gemm(dl, params.get(MoeFfn.ROUTER), dx, false, true, 1.0, 0.0);
    } else {
      // forward was u = x Wr1, logits = u Wr2
      INDArray u = buffers.get("routerU", dt, n, conf.getRouterRank());
      Nd4j.gemm(u, dl, gradViews.get(MoeFfn.ROUTER_UP), true, false, 1.0, 0.0);
      INDArray du = buffers.get("routerDu", dt, n, conf.getRouterRank());
      Nd4j.gemm(dl, params.get(MoeFfn.ROUTER_UP), du, false, true, 1.0, 0.0);
      Nd4j.gemm(x, du, gradViews.get(MoeFfn.ROUTER_DOWN), true, false, 1.0, 0.0);
      Nd4j.gemm(du, params.get(MoeFfn.ROUTER_DOWN), dx, false, true, 1.0, 0.0);
    }
    if (conf.isNoisy()) {
      NoisyGating.backward(s.noise(), dH, x, params, gradViews, dx);
    }
  }
}
