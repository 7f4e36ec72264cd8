package org.npffn.np;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;

/**
 * Features of consecutive token pairs (h_{t-1}, h_t) within each of B sequences of N = B·T rows, from one
 * product per row: the pair's first layer [h_{t-1}; h_t] W = h_{t-1} W_a + h_t W_b is x [W_a | W_b] with the
 * W_a half taken one row up, never across a sequence boundary. One pass over the buffers' NIO views each way.
 *
 * <p>Done with ND4J ops, the move costs a zeroing op per sequence plus a shifted add and a bias add, and the B
 * zeroing ops' per-op overhead dominates (docs/benchmarks.md). Float and double matrices are read and written in
 * place; other types through doubles on the heap.
 */
final class SequenceShift {
  private SequenceShift() {}

  /**
   * into[n] = halves[n, w : 2w] + halves[n - 1, 0 : w] + bias, without the second term on a sequence's first row.
   *
   * @param halves [N, 2w]: x W_a beside x W_b
   * @param bias [1, w]
   * @param into [N, w]
   * @param t the sequence length T (N a multiple of it)
   */
  static void sumPairs(INDArray halves, INDArray bias, INDArray into, int t) {
    check(halves, into, t);
    int n = (int) into.rows();
    int w = (int) into.columns();
    double[] b = RowGather.values(bias);
    if (b.length != w) {
      throw new IllegalArgumentException("bias of " + b.length + " values for rows of width " + w);
    }
    Elements in = Elements.of(halves);
    Elements out = Elements.of(into);
    for (int row = 0; row < n; row++) {
      boolean first = row % t == 0;
      for (int j = 0; j < w; j++) {
        double previous = first ? 0 : in.get((row - 1) * 2 * w + j);
        out.put(row * w + j, in.get(row * 2 * w + w + j) + previous + b[j]);
      }
    }
    out.store(into);
  }

  /**
   * halves[n, 0 : w] = from[n + 1], or 0 on a sequence's last row, and halves[n, w : 2w] = from[n]: the adjoint
   * of {@link #sumPairs}, so dL/d[W_a | W_b] = x^T halves and dL/dx = halves [W_a | W_b]^T.
   *
   * @param from [N, w]
   * @param halves [N, 2w]
   * @param t the sequence length T (N a multiple of it)
   */
  static void spreadPairs(INDArray from, INDArray halves, int t) {
    check(halves, from, t);
    int n = (int) from.rows();
    int w = (int) from.columns();
    Elements in = Elements.of(from);
    Elements out = Elements.of(halves);
    for (int row = 0; row < n; row++) {
      boolean last = (row + 1) % t == 0;
      for (int j = 0; j < w; j++) {
        out.put(row * 2 * w + j, last ? 0 : in.get((row + 1) * w + j));
        out.put(row * 2 * w + w + j, in.get(row * w + j));
      }
    }
    out.store(halves);
  }

  private static void check(INDArray halves, INDArray rows, int t) {
    if (halves.rank() != 2 || rows.rank() != 2 || halves.rows() != rows.rows()
        || halves.columns() != 2 * rows.columns() || t <= 0 || rows.rows() % t != 0) {
      throw new IllegalArgumentException("pairs " + Arrays.toString(halves.shape()) + " against rows "
          + Arrays.toString(rows.shape()) + " in sequences of length " + t);
    }
    if (halves.dataType() != rows.dataType()) {
      throw new IllegalArgumentException("pairs of " + halves.dataType() + " against rows of " + rows.dataType());
    }
  }

  /**
   * A matrix's elements in row-major order, whatever its element type: the buffer itself for contiguous float
   * and double matrices, else a heap copy that {@link #store} writes back.
   */
  private interface Elements {
    double get(int i);

    void put(int i, double v);

    /** Writes a heap copy back into m; nothing for the in-place views. */
    default void store(INDArray m) {}

    static Elements of(INDArray m) {
      boolean inPlace = RowBlockView.isContiguous(m) && m.offset() + m.length() <= Integer.MAX_VALUE;
      int at = (int) m.offset();
      if (inPlace && m.dataType() == DataType.FLOAT) {
        FloatBuffer f = RowBlockView.bytes(m).asFloatBuffer();
        return new Elements() {
          public double get(int i) {
            return f.get(at + i);
          }

          public void put(int i, double v) {
            f.put(at + i, (float) v);
          }
        };
      }
      if (inPlace && m.dataType() == DataType.DOUBLE) {
        DoubleBuffer d = RowBlockView.bytes(m).asDoubleBuffer();
        return new Elements() {
          public double get(int i) {
            return d.get(at + i);
          }

          public void put(int i, double v) {
            d.put(at + i, v);
          }
        };
      }
      double[] copy = RowGather.values(m);
      return new Elements() {
        public double get(int i) {
          return copy[i];
        }

        public void put(int i, double v) {
          copy[i] = v;
        }

        @Override
        public void store(INDArray target) {
          RowGather.setValues(target, copy);
        }
      };
    }
  }
}
