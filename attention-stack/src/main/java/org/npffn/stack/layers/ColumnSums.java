package org.npffn.stack.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sums over the rows of a matrix (bias and gain gradients) as one gemm with a row of ones: 1 x [n, c].
 * On CPU this is about ten times faster in ND4J than a sum reduction over dimension 0 (2.5 ms against 30 ms
 * for [4096, 1024] float32, measured here).
 */
public final class ColumnSums {
  private ColumnSums() {}

  /** out [1, c] = sum over the n rows of {@code rows} [n, c]; ones is [1, n] of ones. */
  public static INDArray into(INDArray rows, INDArray out, INDArray ones) {
    return Nd4j.gemm(ones, rows, out, false, false, 1.0, 0.0);
  }

  /** Same, with the ones row taken from {@code buffers}. */
  public static INDArray into(INDArray rows, INDArray out, ScratchBuffers buffers) {
    return into(rows, out, buffers.ones(rows.dataType(), rows.size(0)));
  }
}
