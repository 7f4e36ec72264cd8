package org.npffn.np;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;

/**
 * Copies between the column block [from, from + w) of a wide c-order matrix [n, W] and a contiguous [n, w]
 * matrix or n·w row-major doubles, one bulk copy per row through the buffers' NIO views.
 *
 * <p>It exists so that a layer can keep two inputs side by side, [x | r], and run one gemm over [W; U] where
 * it would run two thinner ones. ND4J's own assign between such a column block and a contiguous array is about
 * 20x slower than between contiguous arrays (tools/microbench/Strided.java, docs/benchmarks.md), which ate the
 * fused gemm's gain; row by row it is a memcpy per row.
 * Float and double matrices take the NIO path; other types, and operands whose rows are not contiguous, fall
 * back to ND4J's assign.
 */
final class ColumnBlock {
  private ColumnBlock() {}

  /** wide[:, from : from + w] = source, for source [n, w]. */
  static void write(INDArray source, INDArray wide, long from) {
    checkShapes(source, wide, from);
    if (source.length() == 0) {
      return;
    }
    if (!rowsContiguous(source) || !rowsContiguous(wide) || source.dataType() != wide.dataType()
        || !nioType(wide)) {
      block(wide, from, source.columns()).assign(source);
      return;
    }
    copyRows(source, 0, wide, from, source.rows(), source.columns());
  }

  /**
   * wide[:, from : from + w] = source[first : first + n, :], for a contiguous source [*, w] and wide [n, W]: the
   * same as {@link #write(INDArray, INDArray, long)} on a row block of source, without building the view (a
   * view costs more than the copy of a small block, as in a decode step).
   */
  static void writeRows(INDArray source, long first, INDArray wide, long from) {
    long n = wide.rows();
    if (first < 0 || first + n > source.rows() || from < 0 || from + source.columns() > wide.columns()) {
      throw new IllegalArgumentException("rows [" + first + ", " + (first + n) + ") of "
          + Arrays.toString(source.shape()) + " into columns from " + from + " of " + Arrays.toString(wide.shape()));
    }
    if (n == 0) {
      return;
    }
    if (!RowBlockView.isContiguous(source) || !rowsContiguous(wide) || source.dataType() != wide.dataType()
        || !nioType(wide)) {
      write(RowBlockView.rows(source, first, first + n), wide, from);
      return;
    }
    // source is contiguous: its row {@code first} starts first·w elements after its offset
    copyRows(source, first * source.columns(), wide, from, n, source.columns());
  }

  /** out = wide[:, from : from + w], for out [n, w]; returns out. */
  static INDArray read(INDArray wide, long from, INDArray out) {
    checkShapes(out, wide, from);
    if (out.length() == 0) {
      return out;
    }
    if (!rowsContiguous(out) || !rowsContiguous(wide) || out.dataType() != wide.dataType() || !nioType(wide)) {
      return out.assign(block(wide, from, out.columns()));
    }
    copyRows(wide, from, out, 0, out.rows(), out.columns());
    return out;
  }

  /** wide[:, from : from + width] = values, n·width row-major doubles, converted to wide's type. */
  static void write(double[] values, int width, INDArray wide, long from) {
    long n = wide.rows();
    checkValues(values.length, width, wide, from);
    if (values.length == 0) {
      return;
    }
    if (!rowsContiguous(wide) || !nioType(wide)) {
      block(wide, from, width).assign(Nd4j.create(values, new long[] {n, width}, DataType.DOUBLE));
      return;
    }
    eachRow(wide, from, width, (floats, doubles, at, first) -> {
      if (floats != null) {
        for (int j = 0; j < width; j++) {
          floats.put(at + j, (float) values[first + j]);
        }
      } else {
        doubles.put(at, values, first, width);
      }
    });
  }

  /** out = wide[:, from : from + width] as n·width row-major doubles; returns out. */
  static double[] read(INDArray wide, long from, int width, double[] out) {
    checkValues(out.length, width, wide, from);
    if (out.length == 0) {
      return out;
    }
    if (!rowsContiguous(wide) || !nioType(wide)) {
      return RowGather.values(block(wide, from, width), out);
    }
    eachRow(wide, from, width, (floats, doubles, at, first) -> {
      if (floats != null) {
        for (int j = 0; j < width; j++) {
          out[first + j] = floats.get(at + j);
        }
      } else {
        doubles.get(at, out, first, width);
      }
    });
    return out;
  }

  /** One row of a column block: {@code at} indexes the wide matrix's buffer, {@code first} the row-major values. */
  private interface RowOfBlock {
    void copy(FloatBuffer floats, DoubleBuffer doubles, int at, int first);
  }

  /** Calls {@code row} for every row of wide[:, from : from + width]; floats or doubles is null by type. */
  private static void eachRow(INDArray wide, long from, int width, RowOfBlock row) {
    ByteBuffer bytes = RowBlockView.bytes(wide);
    long stride = wide.rows() <= 1 ? wide.columns() : wide.stride(0);
    FloatBuffer floats = wide.dataType() == DataType.FLOAT ? bytes.asFloatBuffer() : null;
    DoubleBuffer doubles = floats == null ? bytes.asDoubleBuffer() : null;
    for (int r = 0; r < wide.rows(); r++) {
      row.copy(floats, doubles, (int) (wide.offset() + r * stride + from), r * width);
    }
  }

  /** rows of {@code a} from column aFrom into rows of {@code b} from column bFrom, width columns each. */
  private static void copyRows(INDArray a, long aFrom, INDArray b, long bFrom, long n, long width) {
    ByteBuffer in = RowBlockView.bytes(a);
    ByteBuffer out = RowBlockView.bytes(b);
    long aStride = a.rows() <= 1 ? a.columns() : a.stride(0);
    long bStride = b.rows() <= 1 ? b.columns() : b.stride(0);
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer src = in.asFloatBuffer();
      FloatBuffer dst = out.asFloatBuffer();
      for (long row = 0; row < n; row++) {
        dst.put((int) (b.offset() + row * bStride + bFrom), src, (int) (a.offset() + row * aStride + aFrom),
            (int) width);
      }
    } else {
      DoubleBuffer src = in.asDoubleBuffer();
      DoubleBuffer dst = out.asDoubleBuffer();
      for (long row = 0; row < n; row++) {
        dst.put((int) (b.offset() + row * bStride + bFrom), src, (int) (a.offset() + row * aStride + aFrom),
            (int) width);
      }
    }
  }

  private static void checkShapes(INDArray narrow, INDArray wide, long from) {
    if (narrow.rank() != 2 || wide.rank() != 2 || narrow.rows() != wide.rows() || from < 0
        || from + narrow.columns() > wide.columns()) {
      throw new IllegalArgumentException("columns [" + from + ", " + (from + narrow.columns()) + ") of "
          + Arrays.toString(wide.shape()) + " against " + Arrays.toString(narrow.shape()));
    }
  }

  private static void checkValues(int length, int width, INDArray wide, long from) {
    if (wide.rank() != 2 || width < 0 || from < 0 || from + width > wide.columns()
        || length != wide.rows() * width) {
      throw new IllegalArgumentException(length + " values as columns [" + from + ", " + (from + width)
          + ") of " + Arrays.toString(wide.shape()));
    }
  }

  private static INDArray block(INDArray wide, long from, long width) {
    return wide.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + width));
  }

  /** c-order rank 2 with unit column stride (degenerate shapes carry normalised strides, see RowBlockView). */
  private static boolean rowsContiguous(INDArray m) {
    return m.rank() == 2 && m.ordering() == 'c' && (m.rows() == 0 || m.columns() <= 1 || m.stride(1) == 1);
  }

  private static boolean nioType(INDArray m) {
    return m.dataType() == DataType.FLOAT || m.dataType() == DataType.DOUBLE;
  }
}
