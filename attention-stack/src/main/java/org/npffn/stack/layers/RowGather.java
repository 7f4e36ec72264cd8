package org.npffn.stack.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves rows by index: out[i] = source[index[i]], into a preallocated array. The fast way to move token rows
 * in ND4J on CPU (a Gather into an existing array: well under 1 ms for 4096 × 256 float rows, against ~20 ms
 * for ScatterAdd or pullRows, measured here), used for sparse dispatch and its inverse.
 */
public final class RowGather {
  private RowGather() {}

  /** out[i] = source[index[i]]; does nothing for an empty index. */
  public static void into(INDArray source, int[] index, INDArray out) {
    if (index.length == 0) {
      return;
    }
    Gather op = new Gather(source, Nd4j.createFromArray(index), 0);
    op.addOutputArgument(out);
    Nd4j.exec(op);
  }

  /** All elements of {@code a} in row-major order, as doubles on the JVM heap. */
  public static double[] values(INDArray a) {
    return a.dup('c').data().asDouble();
  }
}
