package org.npffn.moe;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.ffn.UnitOutputs;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.NonFiniteValueException;
import org.npffn.stack.layers.RealRows;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.RowSoftmax;
import org.npffn.stack.routing.SlotCombine;
import org.npffn.stack.routing.TopKRouter;

/**
 * Implementation of {@link MoeFfn} on rows [N, d].
 *
 * <p>Forward: router logits (ND4J gemm) -> gate scores, top-k and capacity ({@link TopKRouter}, Java arrays:
 * [N, E] is small) -> one gather of the routed rows in expert order -> each expert's {@link FfnKernel} on
 * its contiguous block of rows -> combine: for each rank j, gather the expert outputs through the inverse
 * permutation and add them weighted by their gates. No scatter-add and no per-expert allocation: every array
 * is a row range of a buffer sized for k·N slots. The backward runs the same steps in reverse.
 */
public class MoeFfnLayer extends SequenceLayer<MoeFfn> implements UsageReporting, UnitOutputs {
  /** Row blocks below this size are not worth a hand-off between cores. */
  private static final long MIN_BLOCK_ROWS = 512;
  private final CoreParallel cores = CoreParallel.fromSystemProperty();
  /** The router state of the last forward pass, for the backward. */
  private RouterState router;
  private Routing routing;
  private double regularizationScore;
  private UsageSnapshot usage;

  public MoeFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * What the router computed, [N·E] row-major.
   *
   * @param logits clean logits x Wr
   * @param noise the N(0,1) draws of noisy gating, or null
   * @param noiseLogits x Wn, or null
   * @param scores gate scores q: softmax or sigmoid of the (noisy) logits
   * @param balanceProbs the probabilities P of the aux loss: q for softmax, q normalised per token for sigmoid
   * @param z logsumexp of the clean logits per token
   * @param f fraction of choices that selected each expert
   * @param real per token: not padding
   */
  private record RouterState(double[] logits, double[] noise, double[] noiseLogits, double[] scores,
      double[] balanceProbs, double[] z, double[] f, boolean[] real) {}

  @Override
  public Optional<UsageSnapshot> lastUsage() {
    return Optional.ofNullable(usage);
  }

  /** The routing of the last forward pass (read-only use; for tests and the masked oracle). */
  public Routing lastRouting() {
    return routing;
  }

  @Override
  public double calcRegularizationScore(boolean backpropParamsOnly) {
    return super.calcRegularizationScore(backpropParamsOnly) + regularizationScore;
  }

  /** Lets the optimizer leave the balancing bias alone: its gradient slot is always 0, see backwardRows. */
  @Override
  public boolean updaterDivideByMinibatch(String paramName) {
    return !MoeFfn.BALANCE_BIAS.equals(paramName);
  }

  // ---------------------------------------------------------------- forward

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    MoeFfn c = layerConf();
    INDArray x = in.x(); //                                                        [N, d]
    DataType dt = x.dataType();
    int n = (int) in.tokens();
    int e = c.getNExperts();
    int k = c.getTopK();
    long d = c.getNIn();

    // 1. router: logits = x Wr (or x Wr1 Wr2); noisy gating adds N(0,1)·softplus(x Wn) in training
    router = routerForward(x, rowMask, training);
    double[] selection = router.scores();
    if (c.isLossFreeBalancing()) {
      // Wang et al. 2024: the bias steers selection only; the gates below use the unbiased scores
      double[] b = params.get(MoeFfn.BALANCE_BIAS).toDoubleVector();
      selection = selection.clone();
      for (int t = 0; t < n; t++) {
        for (int i = 0; i < e; i++) {
          selection[t * e + i] += b[i];
        }
      }
    }
    // 2. top-k, capacity, gates
    int capacity = c.capacity(RealRows.count(router.real()));
    routing = TopKRouter.route(selection, router.scores(), router.real(), e, k, capacity, c.getOverflow(),
        c.getGating() == Gating.SIGMOID || c.isRenormalize());
    double[] f = new double[e];
    for (int i = 0; i < e; i++) {
      f[i] = routing.realTokens() == 0 ? 0 : (double) routing.selected()[i] / ((long) k * routing.realTokens());
    }
    router = new RouterState(router.logits(), router.noise(), router.noiseLogits(), router.scores(),
        router.balanceProbs(), router.z(), f, router.real());

    // 3. dispatch: xs = x[slotToken], rows in expert order                     [S, d]
    int slots = routing.slots();
    INDArray xs = rowsOf(buffers.get("xs", dt, (long) k * n + 1, d), slots);
    long[] slotCut = cores.rowBlocks(slots, MIN_BLOCK_ROWS);
    cores.run(slotCut.length - 1, p -> RowGather.into(x, CoreParallel.part(routing.slotToken(), slotCut, p),
        CoreParallel.block(xs, slotCut, p)));
    // 4. experts: expert i runs on its block of rows; ys = FFN_i(xs)           [S, d]
    //    (the whole kernel per expert: its arrays are still in cache for the activation; running the
    //    activation once over all slots measured 5-15% slower)
    //    (experts run in parallel, one per core at a time, busiest first: see CoreParallel)
    FfnKernel.Work work = expertWork(dt, n);
    cores.run(routing.expertsByLoad(), i -> {
      int from = routing.expertOffset()[i];
      int to = routing.expertOffset()[i + 1];
      if (to > from) {
        FfnKernel.forward(RowBlockView.rows(xs, from, to), expert(params, i), c.getActivation(),
            work.rows(from, to));
      }
    });
    // 5. combine: y_t = Σ_j g_tj · ys[slot(t, j)]; dropped choices read the zero row S
    INDArray ys = work.y();
    ys.getRow(slots).assign(0);
    INDArray y = buffers.get("y", dt, n, d);
    INDArray picked = buffers.get("picked", dt, n, d);
    SlotCombine combine = SlotCombine.weighted(routing, slots, dt);
    long[] tokenCut = cores.rowBlocks(n, MIN_BLOCK_ROWS);
    cores.run(tokenCut.length - 1, p -> combine.into(ys, tokenCut, p, y, picked));
    // 6. shared experts on every token
    if (c.getNShared() > 0) {
      FfnKernel.Work shared = sharedWork(dt, n);
      FfnKernel.forward(x, sharedWeights(params), c.getActivation(), shared);
      y.addi(shared.y());
    }
    if (rowMask != null) {
      y.muliColumnVector(rowMask);
    }
    recordStatistics(in.batch());
    return y;
  }

  private RouterState routerForward(INDArray x, INDArray rowMask, boolean training) {
    MoeFfn c = layerConf();
    int n = (int) x.size(0);
    int e = c.getNExperts();
    DataType dt = x.dataType();
    INDArray logitsArr = buffers.get("logits", dt, n, e);
    if (c.getRouterRank() == 0) {
      Nd4j.gemm(x, params.get(MoeFfn.ROUTER), logitsArr, false, false, 1.0, 0.0);
    } else {
      INDArray u = buffers.get("routerU", dt, n, c.getRouterRank()); //           [N, r]
      Nd4j.gemm(x, params.get(MoeFfn.ROUTER_DOWN), u, false, false, 1.0, 0.0);
      Nd4j.gemm(u, params.get(MoeFfn.ROUTER_UP), logitsArr, false, false, 1.0, 0.0);
    }
    double[] logits = RowGather.values(logitsArr);
    boolean[] real = RealRows.of(rowMask, n);
    for (int t = 0; t < n; t++) {
      for (int i = 0; real[t] && i < e; i++) {
        if (!Double.isFinite(logits[t * e + i])) {
          throw new NonFiniteValueException(layerId() + ": router logit of expert " + i + " at row " + t + " is "
              + logits[t * e + i] + " (non-finite input or weights)");
        }
      }
    }
    double[] h = logits;
    double[] noise = null;
    double[] noiseLogits = null;
    if (c.isNoisy() && training) {
      // Shazeer et al. 2017, eq. 4: H = x Wg + N(0,1)·softplus(x Wnoise); seeded by the iteration, so a
      // resumed run draws the same noise
      INDArray nz = buffers.get("noiseLogits", dt, n, e);
      Nd4j.gemm(x, params.get(MoeFfn.NOISE), nz, false, false, 1.0, 0.0);
      noiseLogits = RowGather.values(nz);
      Random rng = new Random(c.getNoiseSeed() * 1_000_003L + getIterationCount());
      noise = new double[n * e];
      h = logits.clone();
      for (int i = 0; i < h.length; i++) {
        noise[i] = rng.nextGaussian();
        h[i] += noise[i] * softplus(noiseLogits[i]);
      }
    }
    double[] scores = new double[n * e];
    // softmax gating balances on the scores themselves; sigmoid gating on the scores normalised per token
    double[] balance = c.getGating() == Gating.SOFTMAX ? scores : new double[n * e];
    double[] z = new double[n];
    double[] gateInput = h;
    long[] cut = cores.rowBlocks(n, MIN_BLOCK_ROWS); //      tokens are independent: one block of rows per core
    cores.run(cut.length - 1, p -> {
      for (int t = (int) cut[p]; t < cut[p + 1]; t++) {
        if (c.getGating() == Gating.SOFTMAX) {
          double lse = RowSoftmax.forward(gateInput, t, e, scores);
          // without noise h is the logits, and z_t is the same log-sum-exp
          z[t] = gateInput == logits ? lse : RowSoftmax.logSumExp(logits, t, e);
        } else {
          z[t] = RowSoftmax.logSumExp(logits, t, e);
          double sum = 0;
          for (int i = 0; i < e; i++) {
            scores[t * e + i] = sigmoid(gateInput[t * e + i]);
            sum += scores[t * e + i];
          }
          for (int i = 0; i < e; i++) {
            balance[t * e + i] = scores[t * e + i] / sum;
          }
        }
      }
    });
    return new RouterState(logits, noise, noiseLogits, scores, balance, z, null, real);
  }

  /** Usage of this pass, and the balancing terms of the score (already in DL4J's score scale). */
  private void recordStatistics(long minibatch) {
    MoeFfn c = layerConf();
    int e = c.getNExperts();
    int n = routing.tokens();
    double[] meanGate = new double[e];
    double zMean = 0;
    double zSquared = 0;
    for (int t = 0; t < n; t++) {
      if (!router.real()[t]) {
        continue;
      }
      for (int i = 0; i < e; i++) {
        meanGate[i] += router.balanceProbs()[t * e + i];
      }
      zMean += router.z()[t];
      zSquared += router.z()[t] * router.z()[t];
    }
    int realTokens = Math.max(1, routing.realTokens());
    double[] load = new double[e];
    for (int i = 0; i < e; i++) {
      meanGate[i] /= realTokens;
      load[i] = routing.load(i);
    }
    double balance = BalanceLosses.auxLoss(1.0, router.f(), meanGate);
    double zLoss = c.getZLossWeight() * zSquared / realTokens;
    regularizationScore = (c.getAuxLossWeight() * balance + zLoss) * routing.realTokens() / minibatch;
    Map<String, Double> scalars = new HashMap<>();
    scalars.put("router_z", zMean / realTokens);
    scalars.put("balance_loss", balance);
    scalars.put("z_loss", zLoss);
    usage = new UsageSnapshot(layerConf().getLayerName() == null ? "moe" : layerConf().getLayerName(),
        routing.realTokens(), load, meanGate, routing.dropped(), scalars);
  }

  // ---------------------------------------------------------------- backward

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    MoeFfn c = layerConf();
    INDArray x = rows.x();
    DataType dt = x.dataType();
    int n = routing.tokens();
    int e = c.getNExperts();
    int k = c.getTopK();
    long d = c.getNIn();
    int slots = routing.slots();
    FfnKernel.Work work = expertWork(dt, n);

    // 6. forward was y = (routed + shared) ⊙ mask
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dt, n, d).assign(dOut).muliColumnVector(rowMask);
    }
    // 5. forward was y_t = Σ_j g_tj ys[slot(t, j)]: dys[s] = g_s dy[token(s)], dg_s = dy[token(s)] · ys[s]
    INDArray dys = rowsOf(buffers.get("dys", dt, (long) k * n + 1, d), slots);
    INDArray ys = rowsOf(work.y(), slots);
    INDArray products = rowsOf(buffers.get("dysYs", dt, (long) k * n + 1, d), slots);
    INDArray slotGateColumn = slots == 0 ? null : Nd4j.create(routing.slotGate(), new long[] {slots, 1}, dt);
    INDArray dyRows = dy;
    double[] slotGrad = new double[slots];
    long[] slotCut = cores.rowBlocks(slots, MIN_BLOCK_ROWS);
    cores.run(slotCut.length - 1, p -> {
      if (slotCut[p + 1] == slotCut[p]) {
        return;
      }
      INDArray dysP = CoreParallel.block(dys, slotCut, p);
      RowGather.into(dyRows, CoreParallel.part(routing.slotToken(), slotCut, p), dysP);
      double[] grad = dysP.mul(CoreParallel.block(ys, slotCut, p), CoreParallel.block(products, slotCut, p)).sum(1)
          .toDoubleVector();
      System.arraycopy(grad, 0, slotGrad, (int) slotCut[p], grad.length);
      dysP.muliColumnVector(CoreParallel.block(slotGateColumn, slotCut, p));
    });
    // 4. experts, in reverse; an expert with no tokens has zero gradients. The router's backward (2-1 below)
    //    needs only the gate gradients, so it runs as one more part beside them, into its own dx term.
    INDArray xs = rowsOf(buffers.get("xs", dt, (long) k * n + 1, d), slots);
    INDArray dxsAll = buffers.get("dxs", dt, (long) k * n + 1, d);
    INDArray dxRouter = buffers.get("dxRouter", dt, n, d);
    if (c.getRouterRank() > 0) {
      buffers.get("routerDu", dt, n, c.getRouterRank()); // created here: the parts below only read buffers
    }
    buffers.ones(dt, routing.maxLoad());
    int[] parts = new int[e + 1];
    parts[0] = e; //                                                  the router's part, taken first
    System.arraycopy(routing.expertsByLoad(), 0, parts, 1, e);
    cores.run(parts, i -> {
      if (i == e) {
        routerBackward(x, routerLogitGrad(choiceGrad(slotGrad)), gradViews, dxRouter);
        return;
      }
      int from = routing.expertOffset()[i];
      int to = routing.expertOffset()[i + 1];
      FfnWeights g = expert(gradViews, i);
      if (to > from) {
        FfnKernel.backward(RowBlockView.rows(xs, from, to), expert(params, i), c.getActivation(),
            work.rows(from, to), RowBlockView.rows(dys, from, to), g, RowBlockView.rows(dxsAll, from, to),
            buffers);
      } else {
        g.w1().assign(0);
        g.b1().assign(0);
        g.w2().assign(0);
        g.b2().assign(0);
      }
    });
    // 3. forward was xs = x[slotToken]: dx_t += Σ_j dxs[slot(t, j)] (dropped choices read the zero row)
    dxsAll.getRow(slots).assign(0);
    INDArray dx = buffers.get("dx", dt, n, d);
    INDArray picked = buffers.get("picked", dt, n, d);
    SlotCombine gather = SlotCombine.unweighted(routing, slots);
    long[] tokenCut = cores.rowBlocks(n, MIN_BLOCK_ROWS);
    cores.run(tokenCut.length - 1, p -> {
      gather.into(dxsAll, tokenCut, p, dx, picked);
      CoreParallel.block(dx, tokenCut, p).addi(CoreParallel.block(dxRouter, tokenCut, p));
    });
    // 6. shared experts on every token
    if (c.getNShared() > 0) {
      FfnKernel.backward(x, sharedWeights(params), c.getActivation(), sharedWork(dt, n), dy,
          sharedWeights(gradViews), picked, buffers);
      dx.addi(picked);
    }
    if (c.isLossFreeBalancing()) {
      updateBalanceBias(gradViews.get(MoeFfn.BALANCE_BIAS));
    }
    return dx;
  }

  /** 2-1. Per choice (t, j): dL/dg_tj, the gradient of its slot's gate (0 when dropped or padding). */
  private double[] choiceGrad(double[] slotGrad) {
    int[] choiceSlot = routing.choiceSlot();
    double[] choiceGrad = new double[choiceSlot.length];
    for (int ch = 0; ch < choiceSlot.length; ch++) {
      choiceGrad[ch] = choiceSlot[ch] < 0 ? 0 : slotGrad[choiceSlot[ch]];
    }
    return choiceGrad;
  }

  /**
   * dL/dH [N·E] from the gate gradients and the aux loss, H being the logits the gates read (noisy in a noisy
   * training pass). The z-loss reads the clean logits instead: {@link #routerBackward} adds its term.
   */
  private double[] routerLogitGrad(double[] choiceGrad) {
    MoeFfn c = layerConf();
    int n = routing.tokens();
    int e = c.getNExperts();
    int k = c.getTopK();
    double[] q = router.scores();
    boolean normalised = c.getGating() == Gating.SIGMOID || c.isRenormalize();
    double[] dq = new double[e]; //                                 dL/dq of one token, reused per token
    double[] auxGrad = c.getAuxLossWeight() > 0 ? BalanceLosses.auxGradPerToken(c.getAuxLossWeight(), router.f())
        : null;
    double[] dh = new double[n * e];
    for (int t = 0; t < n; t++) {
      if (!router.real()[t]) {
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
        dq[ex] += normalised ? (choiceGrad[t * k + j] - dot) / routing.gateNorm()[t]
            : choiceGrad[t * k + j];
      }
      if (c.getGating() == Gating.SOFTMAX) {
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
            dot2 += auxGrad[i] * router.balanceProbs()[t * e + i];
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

  /**
   * dL/dH [N·E] into the router (and noise) weight gradients, and the router's term of dx (written).
   *
   * <p>Forward was H = logits + ε·softplus(x Wn) (Shazeer et al. 2017, eq. 4; H = logits without noise); the
   * gates and the aux loss read H, the z-loss (Zoph et al. 2022, eq. 5) reads z_t = logsumexp(logits_t) of the
   * clean logits. So dlogits = dH + dzloss/dlogits, and x Wn gets dH alone: the z-loss has no path to Wn.
   */
  private void routerBackward(INDArray x, double[] dH, Map<String, INDArray> gradViews, INDArray dx) {
    MoeFfn c = layerConf();
    int n = routing.tokens();
    int e = c.getNExperts();
    DataType dt = x.dataType();
    double[] dLogits = dH;
    if (c.getZLossWeight() > 0) {
      dLogits = dH.clone();
      BalanceLosses.addZLossGrad(c.getZLossWeight(), router.logits(), router.z(), router.real(), e, dLogits);
    }
    INDArray dl = Nd4j.create(dLogits, new long[] {n, e}, dt);
    if (c.getRouterRank() == 0) {
      // forward was logits = x Wr: dWr = x^T dl, dx = dl Wr^T
      Nd4j.gemm(x, dl, gradViews.get(MoeFfn.ROUTER), true, false, 1.0, 0.0);
      Nd4j.gemm(dl, params.get(MoeFfn.ROUTER), dx, false, true, 1.0, 0.0);
    } else {
      // forward was u = x Wr1, logits = u Wr2
      INDArray u = buffers.get("routerU", dt, n, c.getRouterRank());
      Nd4j.gemm(u, dl, gradViews.get(MoeFfn.ROUTER_UP), true, false, 1.0, 0.0);
      INDArray du = buffers.get("routerDu", dt, n, c.getRouterRank());
      Nd4j.gemm(dl, params.get(MoeFfn.ROUTER_UP), du, false, true, 1.0, 0.0);
      Nd4j.gemm(x, du, gradViews.get(MoeFfn.ROUTER_DOWN), true, false, 1.0, 0.0);
      Nd4j.gemm(du, params.get(MoeFfn.ROUTER_DOWN), dx, false, true, 1.0, 0.0);
    }
    if (c.isNoisy()) {
      INDArray gNoise = gradViews.get(MoeFfn.NOISE);
      if (router.noise() == null) {
        gNoise.assign(0);
      } else {
        // forward was H = logits + ε·softplus(x Wn): d(x Wn) = dH ⊙ ε ⊙ σ(x Wn)
        double[] dnz = new double[n * e];
        for (int i = 0; i < dnz.length; i++) {
          dnz[i] = dH[i] * router.noise()[i] * sigmoid(router.noiseLogits()[i]);
        }
        INDArray dn = Nd4j.create(dnz, new long[] {n, e}, dt);
        Nd4j.gemm(x, dn, gNoise, true, false, 1.0, 0.0);
        Nd4j.gemm(dn, params.get(MoeFfn.NOISE), dx, false, true, 1.0, 1.0);
      }
    }
  }

  /**
   * Loss-free balancing (Wang et al. 2024, Algorithm 1): b_i += γ·sign(mean load - load_i), with the loads
   * counted before capacity. Applied here, once per training step, straight to the parameter; its gradient
   * slot stays 0, so no updater, clipping or weight decay can touch the rule.
   */
  private void updateBalanceBias(INDArray gradView) {
    MoeFfn c = layerConf();
    int e = c.getNExperts();
    long[] selected = routing.selected();
    double mean = 0;
    for (long s : selected) {
      mean += s;
    }
    mean /= e;
    INDArray b = params.get(MoeFfn.BALANCE_BIAS);
    double[] values = b.toDoubleVector();
    for (int i = 0; i < e; i++) {
      values[i] += c.getBiasRate() * Math.signum(mean - selected[i]);
    }
    b.assign(Nd4j.create(values, b.shape(), DataType.DOUBLE));
    gradView.assign(0);
  }

  // ---------------------------------------------------------------- helpers

  private FfnKernel.Work expertWork(DataType dt, int n) {
    MoeFfn c = layerConf();
    return FfnKernel.arrays(buffers, "experts.", dt, (long) c.getTopK() * n + 1, c.getNIn(), c.getExpertHidden(),
        c.getActivation());
  }

  private FfnKernel.Work sharedWork(DataType dt, int n) {
    MoeFfn c = layerConf();
    return FfnKernel.arrays(buffers, "shared.", dt, n, c.getNIn(), c.getNShared() * c.getExpertHidden(),
        c.getActivation());
  }

  /** Expert i's parameters (or gradients). */
  @Override
  public int units() {
    return layerConf().getNExperts();
  }

  /** Expert u's FFN, act(x W1 + b1) W2 + b2, on every row of the last forward pass, whether routed to it or not. */
  @Override
  public INDArray unitOutput(int u) {
    Preconditions.checkState(rows != null, "%s: no forward pass yet", layerConf().getLayerName());
    Preconditions.checkElementIndex(u, units(), "expert");
    MoeFfn c = layerConf();
    INDArray x = rows.x(); //                                                             [N, d]
    FfnKernel.Work work = FfnKernel.arrays(buffers, "unit.", x.dataType(), x.size(0), c.getNIn(), c.getExpertHidden(),
        c.getActivation());
    FfnKernel.forward(x, expert(params, u), c.getActivation(), work);
    return work.y().dup();
  }

  private static FfnWeights expert(Map<String, INDArray> table, int i) {
    return FfnWeights.from(table, MoeFfn.expertKey(i, MoeFfn.W1), MoeFfn.expertKey(i, MoeFfn.B1),
        MoeFfn.expertKey(i, MoeFfn.W2), MoeFfn.expertKey(i, MoeFfn.B2));
  }

  private static FfnWeights sharedWeights(Map<String, INDArray> table) {
    return FfnWeights.from(table, MoeFfn.SHARED_W1, MoeFfn.SHARED_B1, MoeFfn.SHARED_W2, MoeFfn.SHARED_B2);
  }

  private static INDArray rowsOf(INDArray buffer, int rows) {
    return RowBlockView.rows(buffer, 0, rows);
  }


  private static double softplus(double v) {
    return v > 30 ? v : Math.log1p(Math.exp(v));
  }

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  @Override
  public void clear() {
    super.clear();
    router = null;
  }
}
