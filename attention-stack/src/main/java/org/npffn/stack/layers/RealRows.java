package org.npffn.stack.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which token rows are real, not padding, as Java booleans, from the row mask [N, 1] a {@link SequenceLayer}
 * hands its subclass (null when nothing is masked). Padding counts nowhere: not in routing, loads, balance
 * statistics or the NP context.
 */
public final class RealRows {
  private RealRows() {}

  /** real[n] = (mask[n] != 0), or all true when {@code rowMask} is null. */
  public static boolean[] of(INDArray rowMask, int n) {
    boolean[] real = new boolean[n];
    double[] mask = rowMask == null ? null : RowGather.values(rowMask);
    for (int row = 0; row < n; row++) {
      real[row] = mask == null || mask[row] != 0;
    }
    return real;
  }

  /** How many rows are real. */
  public static int count(boolean[] real) {
    int n = 0;
    for (boolean r : real) {
      n += r ? 1 : 0;
    }
    return n;
  }
}
