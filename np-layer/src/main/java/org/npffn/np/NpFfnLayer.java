package org.npffn.np;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.Gelu;
import org.npffn.stack.ffn.UnitOutputs;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RealRows;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.RowSoftmax;
import org.npffn.stack.routing.SlotCombine;
import org.npffn.stack.routing.TopKRouter;

/**
 * Implementation of {@link NpFfn} on rows [N, d], N = B·T.
 *
 * <p>Training and dense inference run the whole FFN with the groups' scales applied to the hidden units.
 * With an inference top-k below M ({@link #setInferenceTopK}), each token keeps its k largest groups and only
 * those groups are computed: tokens are dispatched per group like an MoE's experts (groups are column blocks
 * of W_up and row blocks of W_down).
 */
public class NpFfnLayer extends SequenceLayer<NpFfn> implements UsageReporting, UnitOutputs {
  /** λ = σ(θ + 3): θ starts at 0, so the decay starts at 0.95 (a memory of about 20 tokens). */
  static final double DECAY_OFFSET = 3.0;

  private int inferenceTopK;
  private boolean renormaliseTopK = true;
  private int[] contextDonors;

  private boolean[] points;
  private ContextAggregator.Scan scan;
  private double[] alpha;
  private double[] scale;
  private double[] selectorLogits;
  private UsageSnapshot usage;
  private GroupSums sums;
  /** Whether the last forward took the sparse path, which leaves no [N, h] activations for unitOutput. */
  private boolean denseActivationsStale = true;

  public NpFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * Inference-time sparsity: keep only each token's top-k groups and skip the others' computation. A runtime
   * setting, not saved with the model; 0 means dense (k = M computes the same function through the
   * per-group dispatch). Training is always dense.
   *
   * @param renormalise whether the kept α are renormalised to sum to 1 over the kept groups (for FiLM gates:
   *     whether the kept gates are rescaled to the token's total gate over all groups)
   */
  public void setInferenceTopK(int k, boolean renormalise) {
    int m = layerConf().getGroups();
    if (k < 0 || k > m) {
      throw new IllegalArgumentException(layerId() + ": inference topK = " + k + " must be in [0, groups = " + m
          + "]");
    }
    this.inferenceTopK = k;
    this.renormaliseTopK = renormalise;
  }

  /**
   * For the context-reliance measurement: at inference, sequence s of the batch is given the context summary
   * r of sequence donors[s] (each position t reads the donor's r_t), as if r came from other text. Null (the
   * default) turns it off; training passes ignore it. A caller that wants "another document's context" picks
   * donors from other documents: the layer cannot know which rows share one.
   *
   * @throws IllegalArgumentException at the next forward pass if donors.length is not the batch size, or a
   *     donor is outside [0, B)
   */
  public void setContextDonors(int[] donors) {
    this.contextDonors = donors == null ? null : donors.clone();
  }

  @Override
  public Optional<UsageSnapshot> lastUsage() {
    return Optional.ofNullable(usage);
  }

  /**
   * Each row's group weights α from the last forward pass, [N·M] row-major: the softmax shares (FiLM: the scales
   * normalised per row), as top-k inference ranks the groups by them. For checks that rebuild the output from
   * the groups (the bench's reference of the top-k path). Needs a pass that ran whole (any inference pass).
   */
  public double[] lastGroupShares() {
    Preconditions.checkState(rows != null && alpha != null && lastForwardBlocks() == 1,
        "%s: needs a forward pass that ran whole (a training step in blocks of sequences keeps its α in the "
        + "blocks)", layerConf().getLayerName());
    return alpha.clone();
  }

  @Override
  public int units() {
    return layerConf().getGroups();
  }

  /**
   * Group u's contribution act(x W_up + r U + b_up)[:, group u] · W_down[group u, :] on every row of the last
   * forward pass, before its gate, without b_down (a bias shared by all groups would make them look alike).
   * Reads the activations the dense forward path keeps, so inference top-k must be off.
   */
  @Override
  public INDArray unitOutput(int u) {
    Preconditions.checkState(rows != null && !denseActivationsStale, "%s: needs a dense forward pass first "
        + "(inference top-k off; a training step in blocks of sequences keeps no whole-batch activations)",
        layerConf().getLayerName());
    Preconditions.checkElementIndex(u, units(), "group");
    NpFfn c = layerConf();
    long hg = c.groupWidth();
    INDArray act = buffers.get("act", rows.x().dataType(), rows.x().size(0), c.getHidden()); //         [N, h]
    INDArray wDown = RowBlockView.rows(params.get(NpFfn.W_DOWN), u * hg, (u + 1) * hg); //              [h/M, d]
    return act.get(all(), interval(u * hg, (u + 1) * hg)).mmul(wDown); //                             [N, d]
  }

  /**
   * A token's output depends on its own sequence only (its causal context), so a training step may run in
   * blocks of sequences (SequenceBlocks); the statistics are then gathered from the blocks.
   */
  @Override
  protected boolean sequencesIndependent() {
    return true;
  }

  /** The statistics of the whole batch, from the blocks' sums. */
  @Override
  protected void afterForwardInBlocks(List<? extends SequenceLayer<NpFfn>> shards) {
    GroupSums total = ((NpFfnLayer) shards.get(0)).sums;
    for (int i = 1; i < shards.size(); i++) {
      total = total.plus(((NpFfnLayer) shards.get(i)).sums);
    }
    recordStatistics(total, null, Double.NaN);
    denseActivationsStale = true;
  }

  // ---------------------------------------------------------------- forward

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    NpFfn c = layerConf();
    INDArray x = in.x(); //                                                           [N, d]
    DataType dt = x.dataType();
    int b = (int) in.batch();
    int t = (int) in.length();
    int n = b * t;
    int m = c.getGroups();
    long d = c.getNIn();
    long h = c.getHidden();

    // 1-2. context points e_i = φ(c_i)                                             [N, r]
    boolean[] real = RealRows.of(rowMask, n);
    points = new boolean[n];
    for (int row = 0; row < n; row++) {
      boolean first = row % t == 0;
      points[row] = c.getContextMode() == ContextMode.TOKEN ? real[row] : !first && real[row] && real[row - 1];
    }
    FfnKernel.Work phi = new ContextEncoder(c, buffers).forward(x, b, t, params);
    // 3. r_t = (r_0 + Σ e_i) / (n_t + 1), or its decayed form                       [N, r]
    int size = n * c.getContextWidth();
    scan = ContextAggregator.forward(RowGather.values(phi.y(), buffers.doubles("e", size)), points, b, t,
        c.getContextWidth(), RowGather.values(params.get(NpFfn.PRIOR)), lambda(), new ContextAggregator.Scan(
            buffers.doubles("scan.r", size), buffers.doubles("scan.s", size), buffers.doubles("scan.w", size)));
    double[] rValues = scan.r();
    if (contextDonors != null && !training) {
      rValues = fromDonors(rValues, contextDonors, b, t, c.getContextWidth());
    }
    INDArray r = buffers.get("r", dt, n, c.getContextWidth());
    RowGather.setValues(r, rValues);
    if (jointInput(c) && (training || c.getGating() == GroupGating.SOFTMAX)) {
      // [x | r] side by side, read by the training up-projection and by the softmax selector: U's and Ar's
      // products ride in W_up's and Ah's gemms, one gemm each over [d + r] instead of a wide one plus a thin
      // one (a thin gemm runs at about half the speed on two BLAS threads)
      INDArray xr = buffers.get("xr", dt, n, d + c.getContextWidth()); //                      [N, d + r]
      ColumnBlock.write(x, xr, 0);
      ColumnBlock.write(rValues, c.getContextWidth(), xr, d);
    }

    // 6. group scales [N, M]: M·softmax(A2 A1 [h; r]) or 1 + tanh(G r)
    groupScales(r, real);
    boolean sparse = !training && inferenceTopK > 0;
    denseActivationsStale = sparse;
    INDArray y;
    if (sparse) {
      y = sparseForward(x, r, real);
    } else {
      // 4. pre = [x | r] [Wup; U] + bup, or x Wup + bup                            [N, h]
      INDArray pre = buffers.get("pre", dt, n, h);
      double reliance = Double.NaN;
      if (c.isContextProjection() && training) {
        Nd4j.gemm(buffers.get("xr", dt, n, d + c.getContextWidth()), upAndU(), pre, false, false, 1.0, 0.0);
      } else {
        Nd4j.gemm(x, params.get(NpFfn.W_UP), pre, false, false, 1.0, 0.0);
      }
      pre.addiRowVector(params.get(NpFfn.B_UP));
      if (c.isContextProjection() && !training) {
        // context reliance ‖U r_t‖ / ‖W_up h_t + b‖ costs two row norms over [N, h]: inference passes only
        INDArray ru = buffers.get("ru", dt, n, h);
        Nd4j.gemm(r, params.get(NpFfn.U), ru, false, false, 1.0, 0.0);
        reliance = contextReliance(ru, pre, real);
        pre.addi(ru);
      }
      // 5. a = gelu(pre) = pre·σ(1.702 pre)
      INDArray sig = buffers.get("sig", dt, n, h);
      INDArray act = buffers.get("act", dt, n, h);
      Gelu.forward(pre, sig, act);
      // 7. gated = a ⊙ expand(scale): group g owns the contiguous units g·h/M .. (g+1)·h/M - 1, so as
      //    [N·M, h/M] rows this is one column broadcast of scale [N·M, 1] (1.1 ms on [4096, 1024] floats,
      //    against 4.0 ms for expanding scale with a membership gemm and multiplying; measured)
      INDArray gated = buffers.get("gated", dt, n, h);
      INDArray scales = buffers.get("scaleColumn", dt, (long) n * m, 1); //                        [N·M, 1]
      RowGather.setValues(scales, scale);
      Nd4j.exec(new BroadcastMulOp(byGroup(act), scales, byGroup(gated), 0));
      // 8. y = gated Wdown + bdown
      y = buffers.get("y", dt, n, d);
      Nd4j.gemm(gated, params.get(NpFfn.W_DOWN), y, false, false, 1.0, 0.0);
      y.addiRowVector(params.get(NpFfn.B_DOWN));
      recordStatistics(groupSums(real), null, reliance);
    }
    if (rowMask != null) {
      y.muliColumnVector(rowMask);
    }
    return y;
  }

  private void groupScales(INDArray r, boolean[] real) {
    NpFfn c = layerConf();
    int n = (int) r.size(0);
    int m = c.getGroups();
    DataType dt = r.dataType();
    INDArray logits = buffers.get("selLogits", dt, n, m);
    if (c.getGating() == GroupGating.SOFTMAX) {
      // z1 = [h; r] A1 = [x | r] [Ah; Ar]; logits = z1 Aout
      INDArray z1 = buffers.get("z1", dt, n, c.getSelectorRank());
      INDArray xr = buffers.get("xr", dt, n, c.getNIn() + c.getContextWidth());
      Nd4j.gemm(xr, selectorIn(params), z1, false, false, 1.0, 0.0);
      Nd4j.gemm(z1, params.get(NpFfn.A_OUT), logits, false, false, 1.0, 0.0);
    } else {
      Nd4j.gemm(r, params.get(NpFfn.FILM), logits, false, false, 1.0, 0.0);
    }
    selectorLogits = RowGather.values(logits, buffers.doubles("selectorLogits", n * m));
    alpha = buffers.doubles("alpha", n * m);
    scale = buffers.doubles("scale", n * m);
    for (int row = 0; row < n; row++) {
      if (c.getGating() == GroupGating.SOFTMAX) {
        RowSoftmax.forward(selectorLogits, row, m, alpha);
        for (int g = 0; g < m; g++) {
          scale[row * m + g] = m * alpha[row * m + g];
        }
      } else {
        double sum = 0;
        for (int g = 0; g < m; g++) {
          scale[row * m + g] = 1 + Math.tanh(selectorLogits[row * m + g]);
          sum += scale[row * m + g];
        }
        for (int g = 0; g < m; g++) {
          alpha[row * m + g] = scale[row * m + g] / sum; // the groups' shares, for the statistics
        }
      }
    }
  }

  /** Only each token's top-k groups, dispatched per group (groups as experts), at inference. */
  private INDArray sparseForward(INDArray x, INDArray r, boolean[] real) {
    NpFfn c = layerConf();
    int n = (int) x.size(0);
    int m = c.getGroups();
    int k = inferenceTopK;
    long d = c.getNIn();
    long hg = c.groupWidth();
    DataType dt = x.dataType();
    // gates: the kept groups' scales; renormalised, they are rescaled to the token's total scale over all
    // groups (M for softmax groups: M·α_m / Σ_kept α), so k = M gives back the dense function
    Routing routing = TopKRouter.route(alpha, scale, real, m, k, Integer.MAX_VALUE, Overflow.DROP,
        renormaliseTopK);
    int slots = routing.slots();
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
    if (renormaliseTopK) {
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
    recordStatistics(groupSums(real), load, Double.NaN);
    return y;
  }

  // ---------------------------------------------------------------- backward

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    NpFfn c = layerConf();
    INDArray x = rows.x();
    DataType dt = x.dataType();
    int b = (int) rows.batch();
    int t = (int) rows.length();
    int n = b * t;
    int m = c.getGroups();
    int width = c.getContextWidth();
    long d = c.getNIn();
    long h = c.getHidden();
    INDArray r = buffers.get("r", dt, n, width);
    INDArray pre = buffers.get("pre", dt, n, h);
    INDArray sig = buffers.get("sig", dt, n, h);
    INDArray act = buffers.get("act", dt, n, h);
    INDArray gated = buffers.get("gated", dt, n, h);

    // 8. forward was y = (gated Wdown + bdown) ⊙ mask
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dt, n, d).assign(dOut).muliColumnVector(rowMask);
    }
    Nd4j.gemm(gated, dy, gradViews.get(NpFfn.W_DOWN), true, false, 1.0, 0.0);
    ColumnSums.into(dy, gradViews.get(NpFfn.B_DOWN), buffers);
    INDArray dGated = buffers.get("dGated", dt, n, h);
    Nd4j.gemm(dy, params.get(NpFfn.W_DOWN), dGated, false, true, 1.0, 0.0);
    // 7. forward was gated = a ⊙ expand(scale): dscale[n, g] = Σ_{j in group g} dgated[n, j]·a[n, j], one dot
    //    product per row of the [N·M, h/M] views (2.4 ms on [4096, 1024] floats, against 4.4 ms for the product
    //    pass plus a gemm with the 0/1 group membership; measured), and da = dgated ⊙ expand(scale)
    INDArray dScaleArr = buffers.get("dScale", dt, (long) n * m);
    Nd4j.exec(new Dot(byGroup(dGated), byGroup(act), dScaleArr, 1));
    double[] dScale = RowGather.values(dScaleArr, buffers.doubles("dScale", n * m));
    byGroup(dGated).muliColumnVector(buffers.get("scaleColumn", dt, (long) n * m, 1));
    // 5. forward was a = gelu(pre): dpre, over pre
    Gelu.backward(pre, sig, act, dGated);
    // 4. forward was pre = [x | r] [Wup; U] + bup (or x Wup + bup): d[Wup; U] = [x | r]^T dpre and
    //    dL/d[x | r] = dpre [Wup; U]^T, one gemm each
    ColumnSums.into(pre, gradViews.get(NpFfn.B_UP), buffers);
    INDArray dx = buffers.get("dx", dt, n, d);
    boolean joint = jointInput(c);
    INDArray xr = joint ? buffers.get("xr", dt, n, d + width) : null;
    INDArray dxr = joint ? buffers.get("dxr", dt, n, d + width) : null; //                     [N, d + r]
    if (c.isContextProjection()) {
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
    // 6. group selector
    double[] dLogits = buffers.doubles("dLogits", n * m);
    double[] dAlpha = new double[m]; //                                   one row's dL/dα, reused per row
    for (int row = 0; row < n; row++) {
      if (c.getGating() == GroupGating.SOFTMAX) {
        // scale = M·α, α = softmax(logits): dα = M·dscale
        for (int g = 0; g < m; g++) {
          dAlpha[g] = m * dScale[row * m + g];
        }
        RowSoftmax.backward(alpha, row, m, dAlpha, dLogits);
      } else {
        // scale = 1 + tanh(q): dq = dscale ⊙ (1 - tanh²(q))
        for (int g = 0; g < m; g++) {
          double th = Math.tanh(selectorLogits[row * m + g]);
          dLogits[row * m + g] = dScale[row * m + g] * (1 - th * th);
        }
      }
    }
    INDArray dl = buffers.get("dSelLogits", dt, n, m);
    RowGather.setValues(dl, dLogits);
    INDArray drFilm = null;
    if (c.getGating() == GroupGating.SOFTMAX) {
      INDArray z1 = buffers.get("z1", dt, n, c.getSelectorRank());
      Nd4j.gemm(z1, dl, gradViews.get(NpFfn.A_OUT), true, false, 1.0, 0.0);
      INDArray dz1 = buffers.get("dz1", dt, n, c.getSelectorRank());
      Nd4j.gemm(dl, params.get(NpFfn.A_OUT), dz1, false, true, 1.0, 0.0);
      // forward was z1 = [x | r] [Ah; Ar]
      Nd4j.gemm(xr, dz1, selectorIn(gradViews), true, false, 1.0, 0.0);
      Nd4j.gemm(dz1, selectorIn(params), dxr, false, true, 1.0, c.isContextProjection() ? 1.0 : 0.0);
    } else {
      Nd4j.gemm(r, dl, gradViews.get(NpFfn.FILM), true, false, 1.0, 0.0);
      drFilm = buffers.get("drFilm", dt, n, width);
      Nd4j.gemm(dl, params.get(NpFfn.FILM), drFilm, false, true, 1.0, 0.0);
    }
    // dL/dx and dL/dr out of dL/d[x | r] (ColumnBlock: a memcpy per row, not ND4J's strided assign)
    double[] dr = buffers.doubles("dr", n * width);
    if (c.isContextProjection()) {
      ColumnBlock.read(dxr, 0, dx);
    } else if (joint) {
      dx.addi(dxr.get(all(), interval(0, d)));
    }
    if (joint) {
      ColumnBlock.read(dxr, d, width, dr);
    } else {
      Arrays.fill(dr, 0.0);
    }
    if (drFilm != null) {
      double[] film = RowGather.values(drFilm, buffers.doubles("drFilm", n * width));
      for (int i = 0; i < dr.length; i++) {
        dr[i] += film[i];
      }
    }
    // 3. forward was the context scan
    double[] de = buffers.doubles("de", n * width);
    double[] dPrior = new double[width];
    double[] lambda = lambda();
    double[] dLambda = lambda == null ? null : new double[width];
    ContextAggregator.backward(scan, dr, points, b, t, width,
        RowGather.values(params.get(NpFfn.PRIOR)), lambda, de, dPrior, dLambda);
    gradViews.get(NpFfn.PRIOR).assign(Nd4j.create(dPrior, new long[] {1, width}, DataType.DOUBLE));
    if (lambda != null) {
      // λ = σ(θ + offset): dθ = dλ · λ (1 - λ)
      for (int j = 0; j < width; j++) {
        dLambda[j] *= lambda[j] * (1 - lambda[j]);
      }
      gradViews.get(NpFfn.DECAY).assign(Nd4j.create(dLambda, new long[] {1, width}, DataType.DOUBLE));
    }
    // 2-1. forward was e = φ(c): back through φ into x
    INDArray deArray = buffers.get("de", dt, n, width);
    RowGather.setValues(deArray, de);
    new ContextEncoder(c, buffers).backward(x, b, t, deArray, params, gradViews, dx);
    return dx;
  }

  // ---------------------------------------------------------------- statistics

  /** Sums over the real rows of one forward: their count, Σ_t α_t per group and Σ_t H(α_t). */
  private record GroupSums(long count, double[] alphaSum, double entropy) {
    GroupSums plus(GroupSums o) {
      double[] a = alphaSum.clone();
      for (int g = 0; g < a.length; g++) {
        a[g] += o.alphaSum[g];
      }
      return new GroupSums(count + o.count, a, entropy + o.entropy);
    }
  }

  private GroupSums groupSums(boolean[] real) {
    int m = layerConf().getGroups();
    double[] summed = new double[m];
    double entropy = 0;
    long count = 0;
    for (int row = 0; row < real.length; row++) {
      if (!real[row]) {
        continue;
      }
      count++;
      for (int g = 0; g < m; g++) {
        double a = alpha[row * m + g];
        summed[g] += a;
        if (a > 0) {
          entropy -= a * Math.log(a);
        }
      }
    }
    return new GroupSums(count, summed, entropy);
  }

  /**
   * p̄ = mean_t α_t; load = kept tokens per group under inference top-k, else the summed α; scalars: the
   * effective number of groups exp H(p̄), per token exp E_t H(α_t), their difference (specialisation), dead
   * groups (p̄_m below 0.1/M) and, in inference passes, the context reliance ‖U r_t‖ / ‖W_up h_t + b‖.
   */
  private void recordStatistics(GroupSums sums, double[] topKLoad, double reliance) {
    int m = layerConf().getGroups();
    this.sums = sums;
    double[] mean = new double[m];
    double entropyOfMean = 0;
    int dead = 0;
    for (int g = 0; g < m; g++) {
      mean[g] = sums.alphaSum()[g] / Math.max(sums.count(), 1);
      if (mean[g] > 0) {
        entropyOfMean -= mean[g] * Math.log(mean[g]);
      }
      if (mean[g] < 0.1 / m) {
        dead++;
      }
    }
    double effective = Math.exp(entropyOfMean);
    double perToken = Math.exp(sums.entropy() / Math.max(sums.count(), 1));
    Map<String, Double> scalars = new HashMap<>();
    scalars.put("effective_groups", effective);
    scalars.put("effective_groups_per_token", perToken);
    scalars.put("specialisation", effective - perToken);
    scalars.put("dead_groups", (double) dead);
    if (!Double.isNaN(reliance)) {
      scalars.put("context_reliance", reliance);
    }
    String name = layerConf().getLayerName() == null ? "np" : layerConf().getLayerName();
    usage = new UsageSnapshot(name, sums.count(), topKLoad != null ? topKLoad : sums.alphaSum().clone(), mean, 0,
        scalars);
  }

  /** mean over real rows of ‖r U‖ / ‖x Wup + b‖. */
  private static double contextReliance(INDArray ru, INDArray pre, boolean[] real) {
    double[] num = ru.norm2(1).toDoubleVector();
    double[] den = pre.norm2(1).toDoubleVector();
    double sum = 0;
    int count = 0;
    for (int row = 0; row < real.length; row++) {
      if (real[row] && den[row] > 0) {
        sum += num[row] / den[row];
        count++;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }

  // ---------------------------------------------------------------- helpers

  private double[] lambda() {
    if (!layerConf().isDecay()) {
      return null;
    }
    double[] theta = RowGather.values(params.get(NpFfn.DECAY));
    double[] l = new double[theta.length];
    for (int j = 0; j < l.length; j++) {
      l[j] = 1 / (1 + Math.exp(-(theta[j] + DECAY_OFFSET)));
    }
    return l;
  }

  /** Whether the layer keeps [x | r] side by side: U or the softmax selector reads both. */
  private static boolean jointInput(NpFfn c) {
    return c.isContextProjection() || c.getGating() == GroupGating.SOFTMAX;
  }

  /**
   * [Wup; U] [d + r, h], copied side by side once per training forward (the backward reads the same copy):
   * the parameters keep their order (U after bdown), so saved models and initial values stay as they were.
   */
  private INDArray upAndU() {
    NpFfn c = layerConf();
    INDArray wUp = params.get(NpFfn.W_UP);
    INDArray stack = buffers.get("upAndU", wUp.dataType(), c.getNIn() + c.getContextWidth(), c.getHidden());
    RowBlockView.rows(stack, 0, c.getNIn()).assign(wUp);
    RowBlockView.rows(stack, c.getNIn(), c.getNIn() + c.getContextWidth()).assign(params.get(NpFfn.U));
    return stack;
  }

  /** [Ah; Ar] [d + r, k], the selector's first factor on [h; r]: NpFfnParams declares Ar right after Ah. */
  private static INDArray selectorIn(Map<String, INDArray> table) {
    return RowBlockView.stacked(table.get(NpFfn.A_H), table.get(NpFfn.A_R));
  }

  /** [N, h] seen as [N·M, h/M]: row n·M + g holds token n's units of group g. */
  private INDArray byGroup(INDArray hidden) {
    int m = layerConf().getGroups();
    return hidden.reshape('c', hidden.size(0) * m, hidden.size(1) / m);
  }

  /** Sequence s's rows of r [B·T, r] replaced by sequence donors[s]'s. */
  private double[] fromDonors(double[] r, int[] donors, int b, int t, int width) {
    Preconditions.checkArgument(donors.length == b, "%s: %s context donors for a batch of %s sequences",
        layerId(), donors.length, b);
    double[] out = new double[r.length];
    int block = t * width;
    for (int s = 0; s < b; s++) {
      Preconditions.checkArgument(donors[s] >= 0 && donors[s] < b, "%s: context donor %s of sequence %s is "
          + "outside [0, %s)", layerId(), donors[s], s, b);
      System.arraycopy(r, donors[s] * block, out, s * block, block);
    }
    return out;
  }

  @Override
  public void clear() {
    super.clear();
    scan = null;
  }
}
