package org.npffn.moe;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.SlotCombine;

/**
 * Steps 3-6 of the MoE layer, sparse dispatch, forward and backward: only the routed (token, expert) pairs are
 * computed, so the cost grows with k·N, not with E.
 *
 * <pre>
 *   3. xs = x[slotToken]: one gather, rows in expert order                              [S, d]
 *   4. ys[e's rows] = FFN_e(xs[e's rows]): expert e on its contiguous block (FfnKernel)  [S, d]
 *   5. y_t = Σ_j g_tj · ys[slot(t, j)] (SlotCombine)                                     [N, d]
 *   6. y += FFN_shared(x): the always-on shared experts (DeepSeek-MoE), one FFN of n·d_e units
 * </pre>
 *
 * Every array is a row range of a buffer sized for k·N + 1 slots (ReLU routing: grow-only, see slotCapacity;
 * row S stays zero for dropped or unused choices): no scatter-add and no per-expert allocation. Experts run in parallel, one per core at a time, busiest first.
 */
final class ExpertDispatch {
  private final MoeFfn conf;
  private final ScratchBuffers buffers;
  private final CoreParallel cores;

  ExpertDispatch(MoeFfn conf, ScratchBuffers buffers, CoreParallel cores) {
    this.conf = conf;
    this.buffers = buffers;
    this.cores = cores;
  }

  /** y [N, d] (before the row mask) for the rows x [N, d] routed by {@code routing}. */
  INDArray forward(INDArray x, Routing routing, Map<String, INDArray> params) {
    DataType dt = x.dataType();
    int n = routing.tokens();
    long d = conf.getNIn();
    // 3. dispatch: xs = x[slotToken], rows in expert order                     [S, d]
    int slots = routing.slots();
    INDArray xs = slotRows("xs", dt, routing);
    long[] slotCut = cores.rowBlocks(slots, MoeFfnLayer.MIN_BLOCK_ROWS);
    cores.run(slotCut.length - 1, p -> RowGather.into(x, CoreParallel.part(routing.slotToken(), slotCut, p),
        CoreParallel.block(xs, slotCut, p)));
    // 4. experts: expert i runs on its block of rows; ys = FFN_i(xs)           [S, d]
    //    (the whole kernel per expert, while its arrays are in cache: faster than one activation pass over all
    //    slots, docs/benchmarks.md)
    //    Only experts with rows are parts, and a pass of few slots (a decode step routes k·B) stays on the
    //    calling thread: handing two one-row experts to a helper cost more than it saved (a one-token step of
    //    the default model took 4.4 ms with two workers against 3.0 ms with one, docs/benchmarks.md).
    FfnKernel.Work work = expertWork(dt, routing);
    cores.forRows(slots, MoeFfnLayer.MIN_BLOCK_ROWS).run(routing.busyExpertsByLoad(), i -> {
      int from = routing.expertOffset()[i];
      int to = routing.expertOffset()[i + 1];
      FfnKernel.forward(RowBlockView.rows(xs, from, to), expert(params, i), conf.getActivation(),
          work.rows(from, to));
    });
    // 5. combine: y_t = Σ_j g_tj · ys[slot(t, j)]; dropped choices read the zero row S
    INDArray ys = work.y();
    ys.getRow(slots).assign(0);
    INDArray y = buffers.get("y", dt, n, d);
    INDArray picked = buffers.get("picked", dt, n, d);
    SlotCombine combine = SlotCombine.weighted(routing, slots, dt);
    long[] tokenCut = cores.rowBlocks(n, MoeFfnLayer.MIN_BLOCK_ROWS);
    cores.run(tokenCut.length - 1, p -> combine.into(ys, tokenCut, p, y, picked));
    // 6. shared experts on every token
    if (conf.getNShared() > 0) {
      FfnKernel.Work shared = sharedWork(dt, n);
      FfnKernel.forward(x, sharedWeights(params), conf.getActivation(), shared);
      y.addi(shared.y());
    }
    return y;
  }

  /**
   * 5. Forward was y_t = Σ_j g_tj ys[slot(t, j)]: dys[s] = g_s dy[token(s)] (into the "dys" buffer) and
   * dg_s = dy[token(s)] · ys[s], returned per slot.
   *
   * @param dy dL/dy [N, d], masked
   */
  double[] combineBackward(INDArray dy, Routing routing) {
    DataType dt = dy.dataType();
    int slots = routing.slots();
    INDArray dys = slotRows("dys", dt, routing);
    INDArray ys = RowBlockView.rows(expertWork(dt, routing).y(), 0, slots);
    INDArray products = slotRows("dysYs", dt, routing);
    INDArray slotGateColumn = slots == 0 ? null : Nd4j.create(routing.slotGate(), new long[] {slots, 1}, dt);
    double[] slotGrad = new double[slots];
    long[] slotCut = cores.rowBlocks(slots, MoeFfnLayer.MIN_BLOCK_ROWS);
    cores.run(slotCut.length - 1, p -> {
      if (slotCut[p + 1] == slotCut[p]) {
        return;
      }
      INDArray dysP = CoreParallel.block(dys, slotCut, p);
      RowGather.into(dy, CoreParallel.part(routing.slotToken(), slotCut, p), dysP);
      double[] grad = dysP.mul(CoreParallel.block(ys, slotCut, p), CoreParallel.block(products, slotCut, p)).sum(1)
          .toDoubleVector();
      System.arraycopy(grad, 0, slotGrad, (int) slotCut[p], grad.length);
      dysP.muliColumnVector(CoreParallel.block(slotGateColumn, slotCut, p));
    });
    return slotGrad;
  }

  /**
   * What the experts' backward reads and writes, taken from the buffers before the experts run in parallel
   * (the parallel parts only read buffers): xs and dys [S, d], dxs [S + 1, d] and the experts' work arrays.
   */
  record Backward(INDArray xs, INDArray dys, INDArray dxs, FfnKernel.Work work) {}

  Backward prepareBackward(Routing routing, DataType dt) {
    buffers.ones(dt, routing.maxLoad());
    return new Backward(slotRows("xs", dt, routing), slotRows("dys", dt, routing),
        buffers.get("dxs", dt, slotCapacity(routing), conf.getNIn()), expertWork(dt, routing));
  }

  /** 4. Expert i, in reverse, on its block of rows (into dxs); an expert with no tokens has zero gradients. */
  void expertBackward(int i, Backward b, Routing routing, Map<String, INDArray> params,
      Map<String, INDArray> gradViews) {
    int from = routing.expertOffset()[i];
    int to = routing.expertOffset()[i + 1];
    FfnWeights g = expert(gradViews, i);
    if (to > from) {
      FfnKernel.backward(RowBlockView.rows(b.xs(), from, to), expert(params, i), conf.getActivation(),
          b.work().rows(from, to), RowBlockView.rows(b.dys(), from, to), g, RowBlockView.rows(b.dxs(), from, to),
          buffers);
    } else {
      g.w1().assign(0);
      g.b1().assign(0);
      g.w2().assign(0);
      g.b2().assign(0);
    }
  }

  /**
   * 3. Forward was xs = x[slotToken]: dx_t = Σ_j dxs[slot(t, j)] + {@code dxOther}[t] (dropped choices read the
   * zero row), into the "dx" buffer, which it returns.
   */
  INDArray dispatchBackward(Routing routing, INDArray dxOther) {
    DataType dt = dxOther.dataType();
    int n = routing.tokens();
    long d = conf.getNIn();
    int slots = routing.slots();
    INDArray dxsAll = buffers.get("dxs", dt, slotCapacity(routing), d);
    dxsAll.getRow(slots).assign(0);
    INDArray dx = buffers.get("dx", dt, n, d);
    INDArray picked = buffers.get("picked", dt, n, d);
    SlotCombine gather = SlotCombine.unweighted(routing, slots);
    long[] tokenCut = cores.rowBlocks(n, MoeFfnLayer.MIN_BLOCK_ROWS);
    cores.run(tokenCut.length - 1, p -> {
      gather.into(dxsAll, tokenCut, p, dx, picked);
      CoreParallel.block(dx, tokenCut, p).addi(CoreParallel.block(dxOther, tokenCut, p));
    });
    return dx;
  }

  /** 6. Forward was y += FFN_shared(x): its gradients, and its dx term added to {@code dx}. */
  void sharedBackward(INDArray x, INDArray dy, Map<String, INDArray> params, Map<String, INDArray> gradViews,
      INDArray dx) {
    INDArray picked = buffers.get("picked", x.dataType(), x.size(0), conf.getNIn());
    FfnKernel.backward(x, sharedWeights(params), conf.getActivation(), sharedWork(x.dataType(), (int) x.size(0)),
        dy, sharedWeights(gradViews), picked, buffers);
    dx.addi(picked);
  }

  /** Expert u's FFN on every row x [N, d], whether routed to it or not (a copy). */
  INDArray expertOutput(int u, INDArray x, Map<String, INDArray> params) {
    FfnKernel.Work work = FfnKernel.arrays(buffers, "unit.", x.dataType(), x.size(0), conf.getNIn(),
        conf.getExpertHidden(), conf.getActivation());
    FfnKernel.forward(x, expert(params, u), conf.getActivation(), work);
    return work.y().dup();
  }

  /**
   * Rows of every slot buffer, S + 1 at least: k·N + 1 for top-k routing (S ≤ k·N). ReLU routing's S varies
   * from step to step up to E·N: its buffers grow, with headroom, and never shrink (ScratchBuffers#rowCapacity),
   * so a step allocates only when it routes more pairs than any step before it.
   */
  private long slotCapacity(Routing routing) {
    if (conf.getGating() != Gating.RELU) {
      return (long) conf.getTopK() * routing.tokens() + 1;
    }
    return buffers.rowCapacity("slots", routing.slots() + 1L, (long) conf.getNExperts() * routing.tokens() + 1);
  }

  /** The first S rows of a slot buffer [capacity, d]. */
  private INDArray slotRows(String name, DataType dt, Routing routing) {
    INDArray buffer = buffers.get(name, dt, slotCapacity(routing), conf.getNIn());
    return RowBlockView.rows(buffer, 0, routing.slots());
  }

  private FfnKernel.Work expertWork(DataType dt, Routing routing) {
    return FfnKernel.arrays(buffers, "experts.", dt, slotCapacity(routing), conf.getNIn(), conf.getExpertHidden(),
        conf.getActivation());
  }

  private FfnKernel.Work sharedWork(DataType dt, int n) {
    return FfnKernel.arrays(buffers, "shared.", dt, n, conf.getNIn(), conf.getNShared() * conf.getExpertHidden(),
        conf.getActivation());
  }

  /** Expert i's parameters (or gradients). */
  private static FfnWeights expert(Map<String, INDArray> table, int i) {
    return FfnWeights.from(table, MoeFfn.expertKey(i, MoeFfn.W1), MoeFfn.expertKey(i, MoeFfn.B1),
        MoeFfn.expertKey(i, MoeFfn.W2), MoeFfn.expertKey(i, MoeFfn.B2));
  }

  private static FfnWeights sharedWeights(Map<String, INDArray> table) {
    return FfnWeights.from(table, MoeFfn.SHARED_W1, MoeFfn.SHARED_B1, MoeFfn.SHARED_W2, MoeFfn.SHARED_B2);
  }
}
