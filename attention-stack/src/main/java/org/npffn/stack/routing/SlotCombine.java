package org.npffn.stack.routing;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.RowGather;

/**
 * The top-k combine: each token's k slot rows summed back into its own row, y_t = Σ_j g_tj · s[slot(t, j)]
 * (weighted: an MoE's expert outputs with their gates), or Σ_j s[slot(t, j)] (unweighted: rows already scaled,
 * or the gradients of a dispatch gather, dx_t = Σ_j dxs[slot(t, j)]).
 *
 * <p>The slots are in expert order (Routing), so this is a gather through the inverse permutation, one per
 * rank j, into preallocated rows: a gather is ~60x faster than ND4J's ScatterAdd here (docs/benchmarks.md).
 * A dropped choice reads the zero row the caller keeps at index {@code zeroRow} (S, one past the slots).
 */
public final class SlotCombine {
  /** Per rank j, per token: the slot of its j-th choice, or zeroRow when dropped or padding. */
  private final int[][] choice;
  /** Per rank j: the gates of the tokens' j-th choices [N, 1] (0 when dropped), or null: unweighted. */
  private final INDArray[] gate;

  private SlotCombine(int[][] choice, INDArray[] gate) {
    this.choice = choice;
    this.gate = gate;
  }

  /** y_t = Σ_j g_tj · s[slot(t, j)] with the routing's gates, as {@code dt} columns. */
  public static SlotCombine weighted(Routing r, int zeroRow, DataType dt) {
    INDArray[] gate = new INDArray[r.k()];
    for (int j = 0; j < r.k(); j++) {
      double[] g = new double[r.tokens()];
      for (int t = 0; t < g.length; t++) {
        g[t] = r.choiceSlot()[t * r.k() + j] < 0 ? 0 : r.choiceGate()[t * r.k() + j];
      }
      gate[j] = Nd4j.create(g, new long[] {g.length, 1}, dt);
    }
    return new SlotCombine(choiceRows(r, zeroRow), gate);
  }

  /** y_t = Σ_j s[slot(t, j)]. */
  public static SlotCombine unweighted(Routing r, int zeroRow) {
    return new SlotCombine(choiceRows(r, zeroRow), null);
  }

  private static int[][] choiceRows(Routing r, int zeroRow) {
    int[][] rows = new int[r.k()][r.tokens()];
    for (int j = 0; j < r.k(); j++) {
      for (int t = 0; t < r.tokens(); t++) {
        int s = r.choiceSlot()[t * r.k() + j];
        rows[j][t] = s < 0 ? zeroRow : s;
      }
    }
    return rows;
  }

  /** out = the combine of every token; {@code picked} [N, d] is scratch. */
  public void into(INDArray slots, INDArray out, INDArray picked) {
    into(slots, new long[] {0, out.rows()}, 0, out, picked);
  }

  /**
   * Block p of the tokens (cut by {@link CoreParallel#rowBlocks}): out[t] = Σ_j (g_tj ·) slots[slot(t, j)].
   *
   * @param slots [S + 1, d], row zeroRow all zero
   * @param out [N, d], only block p's rows written
   * @param picked [N, d] scratch, only block p's rows used
   */
  public void into(INDArray slots, long[] cut, int p, INDArray out, INDArray picked) {
    INDArray outP = CoreParallel.block(out, cut, p);
    RowGather.into(slots, CoreParallel.part(choice[0], cut, p), outP);
    if (gate != null) {
      outP.muliColumnVector(CoreParallel.block(gate[0], cut, p));
    }
    for (int j = 1; j < choice.length; j++) {
      INDArray pp = CoreParallel.block(picked, cut, p);
      RowGather.into(slots, CoreParallel.part(choice[j], cut, p), pp);
      outP.addi(gate == null ? pp : pp.muliColumnVector(CoreParallel.block(gate[j], cut, p)));
    }
  }
}
