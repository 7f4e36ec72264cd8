package org.npffn.stack.layers;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The elements of a float or double array's whole native buffer, read and written in place from Java by their
 * index in that buffer (an array's {@code offset()} plus its strides): for the kernels that run as one Java pass
 * over rows where ND4J would take several ops, each a pass over the data. Values go through double. Rows move
 * in bulk ({@link #read}, {@link #write}): element by element, the buffer's checks cost more than the arithmetic
 * (a softmax backward over [64, 128, 128] floats took 4.1 ms that way, measured). An instance is for one thread.
 */
public final class NativeElements {
  private final FloatBuffer floats;
  private final DoubleBuffer doubles;
  /** The float row of the last bulk copy: one instance serves one thread. */
  private float[] scratch = new float[0];

  private NativeElements(FloatBuffer floats, DoubleBuffer doubles) {
    this.floats = floats;
    this.doubles = doubles;
  }

  /**
   * The buffer {@code a} is a view of (or a itself).
   *
   * @throws IllegalArgumentException unless a is FLOAT or DOUBLE
   */
  public static NativeElements of(INDArray a) {
    ByteBuffer bytes = RowBlockView.bytes(a);
    return switch (a.dataType()) {
      case FLOAT -> new NativeElements(bytes.asFloatBuffer(), null);
      case DOUBLE -> new NativeElements(null, bytes.asDoubleBuffer());
      default -> throw new IllegalArgumentException("expected a FLOAT or DOUBLE array, got " + a.dataType());
    };
  }

  /** dst[0, len) = the len elements from {@code at}: one bulk copy, then a widening loop for float. */
  public void read(long at, double[] dst, int len) {
    if (floats != null) {
      float[] f = floatScratch(len);
      floats.get((int) at, f, 0, len);
      for (int i = 0; i < len; i++) {
        dst[i] = f[i];
      }
    } else {
      doubles.get((int) at, dst, 0, len);
    }
  }

  /** The len elements from {@code at} = src[0, len), rounded to float in a float buffer. */
  public void write(long at, double[] src, int len) {
    if (floats != null) {
      float[] f = floatScratch(len);
      for (int i = 0; i < len; i++) {
        f[i] = (float) src[i];
      }
      floats.put((int) at, f, 0, len);
    } else {
      doubles.put((int) at, src, 0, len);
    }
  }

  private float[] floatScratch(int len) {
    if (scratch.length < len) {
      scratch = new float[len];
    }
    return scratch;
  }

  public double get(long at) {
    return floats != null ? floats.get((int) at) : doubles.get((int) at);
  }

  /** Stores {@code value}, rounded to float in a float buffer. */
  public void put(long at, double value) {
    if (floats != null) {
      floats.put((int) at, (float) value);
    } else {
      doubles.put((int) at, value);
    }
  }
}
