package org.npffn.stack.layers;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Features of consecutive token pairs (h_{t-1}, h_t) within each of B sequences of N = B·T rows, from one
 * product per row: the pair's first layer [h_{t-1}; h_t] W = h_{t-1} W_a + h_t W_b is x [W_a | W_b] with the
 * W_a half taken one row up, never across a sequence boundary. One pass over the buffers' NIO views each way.
 *
 * <p>Done with ND4J ops, the move cost a zeroing op per sequence plus a shifted add and a bias add: 2.8 core-ms
 * of a training step at N = 4096, w = 64, most of it the per-op overhead of the B zeroing ops (phase timers
 * inside `np/T=128`). Float and double matrices take the NIO path; other types go through doubles on the heap.
 */
public final class SequenceShift {
  private SequenceShift() {}

  /**
   * into[n] = halves[n, w : 2w] + halves[n - 1, 0 : w] + bias, without the second term on a sequence's first row.
   *
   * @param halves [N, 2w], rows contiguous: x W_a beside x W_b
   * @param bias [1, w]
   * @param into [N, w], contiguous
   * @param t the sequence length T (N a multiple of it)
   */
  public static void sumPairs(INDArray halves, INDArray bias, INDArray into, int t) {
    check(halves, into, t);
    int n = (int) into.rows();
    int w = (int) into.columns();
    double[] b = RowGather.values(bias);
    if (b.length != w) {
      throw new IllegalArgumentException("bias of " + b.length + " values for rows of width " + w);
    }
    if (!nioPath(halves, into)) {
      double[] in = RowGather.values(halves);
      double[] out = new double[n * w];
      for (int row = 0; row < n; row++) {
        for (int j = 0; j < w; j++) {
          out[row * w + j] = in[row * 2 * w + w + j] + (row % t == 0 ? 0 : in[(row - 1) * 2 * w + j]) + b[j];
        }
      }
      RowGather.setValues(into, out);
      return;
    }
    int src = (int) halves.offset();
    int dst = (int) into.offset();
    int stride = 2 * w;
    if (into.dataType() == DataType.FLOAT) {
      FloatBuffer in = floats(halves);
      FloatBuffer out = floats(into);
      float[] fb = new float[w];
      for (int j = 0; j < w; j++) {
        fb[j] = (float) b[j];
      }
      for (int row = 0; row < n; row++) {
        int at = dst + row * w;
        int current = src + row * stride + w;
        int previous = src + (row - 1) * stride;
        if (row % t == 0) {
          for (int j = 0; j < w; j++) {
            out.put(at + j, in.get(current + j) + fb[j]);
          }
        } else {
          for (int j = 0; j < w; j++) {
            out.put(at + j, in.get(current + j) + in.get(previous + j) + fb[j]);
          }
        }
      }
    } else {
      DoubleBuffer in = doubles(halves);
      DoubleBuffer out = doubles(into);
      for (int row = 0; row < n; row++) {
        int at = dst + row * w;
        int current = src + row * stride + w;
        int previous = src + (row - 1) * stride;
        if (row % t == 0) {
          for (int j = 0; j < w; j++) {
            out.put(at + j, in.get(current + j) + b[j]);
          }
        } else {
          for (int j = 0; j < w; j++) {
            out.put(at + j, in.get(current + j) + in.get(previous + j) + b[j]);
          }
        }
      }
    }
  }

  /**
   * halves[n, 0 : w] = from[n + 1], or 0 on a sequence's last row, and halves[n, w : 2w] = from[n]: the adjoint
   * of {@link #sumPairs}, so dL/d[W_a | W_b] = x^T halves and dL/dx = halves [W_a | W_b]^T.
   *
   * @param from [N, w], contiguous
   * @param halves [N, 2w], rows contiguous
   * @param t the sequence length T (N a multiple of it)
   */
  public static void spreadPairs(INDArray from, INDArray halves, int t) {
    check(halves, from, t);
    int n = (int) from.rows();
    int w = (int) from.columns();
    if (!nioPath(halves, from)) {
      double[] in = RowGather.values(from);
      double[] out = new double[n * 2 * w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t != 0) {
          System.arraycopy(in, (row + 1) * w, out, row * 2 * w, w);
        }
        System.arraycopy(in, row * w, out, row * 2 * w + w, w);
      }
      RowGather.setValues(halves, out);
      return;
    }
    int src = (int) from.offset();
    int dst = (int) halves.offset();
    int stride = 2 * w;
    if (from.dataType() == DataType.FLOAT) {
      FloatBuffer in = floats(from);
      FloatBuffer out = floats(halves);
      float[] zeros = new float[w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t == 0) {
          out.put(dst + row * stride, zeros, 0, w);
        } else {
          out.put(dst + row * stride, in, src + (row + 1) * w, w);
        }
        out.put(dst + row * stride + w, in, src + row * w, w);
      }
    } else {
      DoubleBuffer in = doubles(from);
      DoubleBuffer out = doubles(halves);
      double[] zeros = new double[w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t == 0) {
          out.put(dst + row * stride, zeros, 0, w);
        } else {
          out.put(dst + row * stride, in, src + (row + 1) * w, w);
        }
        out.put(dst + row * stride + w, in, src + row * w, w);
      }
    }
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

  private static boolean nioPath(INDArray halves, INDArray rows) {
    DataType dt = rows.dataType();
    return (dt == DataType.FLOAT || dt == DataType.DOUBLE) && RowBlockView.isContiguous(halves)
        && RowBlockView.isContiguous(rows);
  }

  private static FloatBuffer floats(INDArray m) {
    return RowBlockView.buffer(m).asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static DoubleBuffer doubles(INDArray m) {
    return RowBlockView.buffer(m).asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
  }
}
