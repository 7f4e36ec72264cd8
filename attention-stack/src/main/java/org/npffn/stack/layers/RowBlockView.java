package org.npffn.stack.layers;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Views over contiguous row ranges of c-order matrices, built from the buffer and offset directly.
 *
 * <p>Two reasons not to use {@code get(interval(..), all())}: ND4J 1.0.0-M2.1 returns an empty array for the
 * last row block of a parameter view (a view of a view, measured here), and a layer sometimes needs one view
 * over two parameters that sit next to each other in the flattened array ([W_up; U] as one [d + r, h]
 * matrix), so that two products with a shared left operand become one gemm.
 */
public final class RowBlockView {
  private RowBlockView() {}

  /**
   * Rows [from, to) of the c-order matrix {@code m}, sharing its buffer. Also the cheap way to slice: MoE
   * experts slice their rows many times per step, and this costs ~7 µs against ~17 µs for
   * {@code get(interval(from, to), all())} (measured).
   */
  public static INDArray rows(INDArray m, long from, long to) {
    requireContiguous(m, "m");
    if (from < 0 || from > to || to > m.rows()) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a matrix of " + m.rows() + " rows");
    }
    long cols = m.columns();
    return Nd4j.create(buffer(m), new long[] {to - from, cols}, new long[] {cols, 1}, m.offset() + from * cols, 'c');
  }

  /**
   * [top; bottom] as one matrix, sharing their buffer: {@code bottom} must start where {@code top} ends in the
   * same buffer, with the same number of columns (two adjacent parameters of one layer).
   */
  public static INDArray stacked(INDArray top, INDArray bottom) {
    requireContiguous(top, "top");
    requireContiguous(bottom, "bottom");
    Preconditions.checkArgument(top.columns() == bottom.columns(), "stacked: %s columns above %s", top.columns(),
        bottom.columns());
    Preconditions.checkArgument(buffer(top) == buffer(bottom) && bottom.offset() == top.offset() + top.length(),
        "stacked: the arrays are not adjacent in one buffer");
    return Nd4j.create(buffer(top), new long[] {top.rows() + bottom.rows(), top.columns()},
        new long[] {top.columns(), 1}, top.offset(), 'c');
  }

  /** The whole buffer a view was cut from: offset() counts from its start. */
  private static DataBuffer buffer(INDArray m) {
    DataBuffer original = m.data().originalDataBuffer();
    return original != null ? original : m.data();
  }

  private static void requireContiguous(INDArray m, String name) {
    if (m.rank() != 2 || m.ordering() != 'c' || m.stride(1) != 1 || m.stride(0) != m.columns()) {
      throw new IllegalArgumentException(name + " must be a contiguous c-order matrix, got shape "
          + java.util.Arrays.toString(m.shape()) + " strides " + java.util.Arrays.toString(m.stride()));
    }
  }
}
