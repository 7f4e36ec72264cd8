package org.npffn.stack.layers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Views over contiguous row ranges of c-order matrices, built from the buffer and offset directly.
 *
 * <p>Not {@code get(interval(..), all())}: ND4J 1.0.0-M2.1 returns an empty array for the last row block of a
 * parameter view (a view of a view, measured here), and it costs more per call.
 */
public final class RowBlockView {
  private RowBlockView() {}

  /**
   * Rows [from, to) of the c-order matrix {@code m}, sharing its buffer. Also the cheap way to slice: MoE
   * experts slice their rows many times per step, and this costs less than half of
   * {@code get(interval(from, to), all())} (docs/benchmarks.md).
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
   * The c-order matrices {@code top} [a, c] and {@code bottom} [b, c] as one [a + b, c] view, when bottom's
   * elements follow top's in the same buffer (two parameters declared one after the other, or their gradient
   * views): one gemm over the stacked weights then does the work of two thinner ones.
   *
   * @throws IllegalArgumentException if the two are not adjacent rows of one buffer
   */
  public static INDArray stacked(INDArray top, INDArray bottom) {
    requireContiguous(top, "top");
    requireContiguous(bottom, "bottom");
    long cols = top.columns();
    boolean adjacent = bottom.columns() == cols && buffer(top).address() == buffer(bottom).address()
        && bottom.offset() == top.offset() + top.rows() * cols && top.dataType() == bottom.dataType();
    if (!adjacent) {
      throw new IllegalArgumentException("stacked: " + java.util.Arrays.toString(bottom.shape()) + " at offset "
          + bottom.offset() + " does not follow " + java.util.Arrays.toString(top.shape()) + " at offset "
          + top.offset() + " in one buffer");
    }
    return Nd4j.create(buffer(top), new long[] {top.rows() + bottom.rows(), cols}, new long[] {cols, 1},
        top.offset(), 'c');
  }

  /** The whole buffer a view was cut from: offset() counts from its start. */
  static DataBuffer buffer(INDArray m) {
    DataBuffer original = m.data().originalDataBuffer();
    return original != null ? original : m.data();
  }

  /** The whole buffer a view was cut from, as native-order bytes (NIO): offset() counts from its start. */
  public static ByteBuffer bytes(INDArray m) {
    return buffer(m).asNio().order(ByteOrder.nativeOrder());
  }

  /** Whether {@code m} is a c-order matrix whose rows follow each other with unit column stride. */
  public static boolean isContiguous(INDArray m) {
    boolean rowsFollow = m.rows() <= 1 || m.stride(0) == m.columns();
    boolean unitColumns = m.rows() == 0 || m.columns() <= 1 || m.stride(1) == 1;
    return m.rank() == 2 && m.ordering() == 'c' && rowsFollow && unitColumns;
  }

  /**
   * Rows follow each other with unit column stride. ND4J normalises the strides of degenerate shapes (a [1, d]
   * array has strides [1, 1], a [0, d] view [0, 0]), so a stride is only checked where it is used.
   */
  private static void requireContiguous(INDArray m, String name) {
    if (!isContiguous(m)) {
      throw new IllegalArgumentException(name + " must be a contiguous c-order matrix, got shape "
          + java.util.Arrays.toString(m.shape()) + " strides " + java.util.Arrays.toString(m.stride()));
    }
  }
}
