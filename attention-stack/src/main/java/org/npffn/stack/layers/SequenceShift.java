package org.npffn.stack.layers;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Moves token rows [N, w] (N = B·T, sequence by sequence) one position along their sequence, never across a
 * sequence boundary, in one pass over the buffers' NIO views.
 *
 * <p>It exists for pair features such as the Neural-Process transition pairs (h_{t-1}, h_t): their first layer
 * is x W_a moved down one position plus x W_b. Done with ND4J ops, the move costs a zeroing op per sequence
 * plus a shifted add and a bias add: 2.8 core-ms of a training step at N = 4096, w = 64, most of it the
 * per-op overhead of the B zeroing ops (phase timers inside `np/T=128`). Float and double matrices take the NIO
 * path; other types go through doubles on the heap.
 */
public final class SequenceShift {
  private SequenceShift() {}

  /**
   * into[n] += from[n - 1] + bias for rows n that do not start a sequence, into[n] += bias for those that do.
   *
   * @param from [N, w], contiguous
   * @param bias [1, w]
   * @param into [N, w], contiguous
   * @param t the sequence length T (N a multiple of it)
   */
  public static void addPreviousAndBias(INDArray from, INDArray bias, INDArray into, int t) {
    check(from, into, t);
    int n = (int) into.rows();
    int w = (int) into.columns();
    double[] b = RowGather.values(bias);
    if (b.length != w) {
      throw new IllegalArgumentException("bias of " + b.length + " values for rows of width " + w);
    }
    if (!nioPath(from, into)) {
      double[] in = RowGather.values(from);
      double[] out = RowGather.values(into);
      for (int row = 0; row < n; row++) {
        for (int j = 0; j < w; j++) {
          out[row * w + j] += (row % t == 0 ? 0 : in[(row - 1) * w + j]) + b[j];
        }
      }
      RowGather.setValues(into, out);
      return;
    }
    int src = (int) from.offset();
    int dst = (int) into.offset();
    if (into.dataType() == DataType.FLOAT) {
      FloatBuffer in = floats(from);
      FloatBuffer out = floats(into);
      float[] fb = new float[w];
      for (int j = 0; j < w; j++) {
        fb[j] = (float) b[j];
      }
      for (int row = 0; row < n; row++) {
        int at = dst + row * w;
        int prev = src + (row - 1) * w;
        if (row % t == 0) {
          for (int j = 0; j < w; j++) {
            out.put(at + j, out.get(at + j) + fb[j]);
          }
        } else {
          for (int j = 0; j < w; j++) {
            out.put(at + j, out.get(at + j) + in.get(prev + j) + fb[j]);
          }
        }
      }
    } else {
      DoubleBuffer in = doubles(from);
      DoubleBuffer out = doubles(into);
      for (int row = 0; row < n; row++) {
        int at = dst + row * w;
        int prev = src + (row - 1) * w;
        if (row % t == 0) {
          for (int j = 0; j < w; j++) {
            out.put(at + j, out.get(at + j) + b[j]);
          }
        } else {
          for (int j = 0; j < w; j++) {
            out.put(at + j, out.get(at + j) + in.get(prev + j) + b[j]);
          }
        }
      }
    }
  }

  /**
   * into[n] = from[n + 1] for rows n that do not end a sequence, into[n] = 0 for those that do: the adjoint of
   * the move in {@link #addPreviousAndBias}.
   *
   * @param from [N, w], contiguous
   * @param into [N, w], contiguous, not from
   * @param t the sequence length T (N a multiple of it)
   */
  public static void nextInSequence(INDArray from, INDArray into, int t) {
    check(from, into, t);
    int n = (int) into.rows();
    int w = (int) into.columns();
    if (!nioPath(from, into)) {
      double[] in = RowGather.values(from);
      double[] out = new double[n * w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t != 0) {
          System.arraycopy(in, (row + 1) * w, out, row * w, w);
        }
      }
      RowGather.setValues(into, out);
      return;
    }
    int src = (int) from.offset();
    int dst = (int) into.offset();
    if (into.dataType() == DataType.FLOAT) {
      FloatBuffer in = floats(from);
      FloatBuffer out = floats(into);
      float[] zeros = new float[w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t == 0) {
          out.put(dst + row * w, zeros, 0, w);
        } else {
          out.put(dst + row * w, in, src + (row + 1) * w, w);
        }
      }
    } else {
      DoubleBuffer in = doubles(from);
      DoubleBuffer out = doubles(into);
      double[] zeros = new double[w];
      for (int row = 0; row < n; row++) {
        if ((row + 1) % t == 0) {
          out.put(dst + row * w, zeros, 0, w);
        } else {
          out.put(dst + row * w, in, src + (row + 1) * w, w);
        }
      }
    }
  }

  private static void check(INDArray from, INDArray into, int t) {
    if (from.rank() != 2 || !Arrays.equals(from.shape(), into.shape()) || t <= 0 || into.rows() % t != 0) {
      throw new IllegalArgumentException("rows " + Arrays.toString(from.shape()) + " into "
          + Arrays.toString(into.shape()) + " in sequences of length " + t);
    }
    if (from.dataType() != into.dataType()) {
      throw new IllegalArgumentException("rows of " + from.dataType() + " into rows of " + into.dataType());
    }
  }

  private static boolean nioPath(INDArray from, INDArray into) {
    DataType dt = into.dataType();
    return (dt == DataType.FLOAT || dt == DataType.DOUBLE) && RowBlockView.isContiguous(from)
        && RowBlockView.isContiguous(into);
  }

  private static FloatBuffer floats(INDArray m) {
    return RowBlockView.buffer(m).asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static DoubleBuffer doubles(INDArray m) {
    return RowBlockView.buffer(m).asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
  }
}
