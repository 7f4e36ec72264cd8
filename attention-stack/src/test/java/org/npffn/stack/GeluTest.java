package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.Gelu;

/** Gelu against the plain definitions gelu(z) = z / (1 + e^(-1.702 z)), silu(z) = z / (1 + e^(-z)). */
class GeluTest {
  private static final int N = 40;

  private static double[] values(Random rng) {
    double[] z = new double[N];
    for (int i = 0; i < N; i++) {
      z[i] = 4 * rng.nextGaussian();
    }
    return z;
  }

  private static double gelu(double z) {
    return z / (1 + Math.exp(-1.702 * z));
  }

  @Test
  void forwardIsZTimesSigmoidOfSlopeZAndSiluIsSlopeOne() {
    double[] z = values(new Random(4));
    INDArray zs = Nd4j.createFromArray(z);
    INDArray sig = Nd4j.create(DataType.DOUBLE, N);
    INDArray out = Nd4j.create(DataType.DOUBLE, N);
    Gelu.forward(zs, sig, out);
    for (int i = 0; i < N; i++) {
      assertEquals(gelu(z[i]), out.getDouble(i), 1e-12);
      assertEquals(1 / (1 + Math.exp(-1.702 * z[i])), sig.getDouble(i), 1e-15);
    }
    Gelu.sigmoidWeighted(zs, 1.0, sig, out);
    for (int i = 0; i < N; i++) {
      assertEquals(z[i] / (1 + Math.exp(-z[i])), out.getDouble(i), 1e-12);
    }
    Gelu.forward(zs, sig, zs); //                                               in place, as the NP layer runs it
    assertEquals(gelu(z[7]), zs.getDouble(7), 1e-12);
  }

  @Test
  void backwardIsTheDerivativeTimesDOut() {
    Random rng = new Random(5);
    double[] z = values(rng);
    INDArray pre = Nd4j.createFromArray(z);
    INDArray sig = Nd4j.create(DataType.DOUBLE, N);
    INDArray out = Nd4j.create(DataType.DOUBLE, N);
    Gelu.forward(pre, sig, out);
    double[] dOut = new double[N];
    for (int i = 0; i < N; i++) {
      dOut[i] = rng.nextGaussian();
    }
    Gelu.backward(pre, sig, out, Nd4j.createFromArray(dOut));
    double eps = 1e-6;
    for (int i = 0; i < N; i++) {
      double s = 1 / (1 + Math.exp(-1.702 * z[i]));
      assertEquals(dOut[i] * (s + 1.702 * z[i] * s * (1 - s)), pre.getDouble(i), 1e-12, "closed form");
      double numeric = (gelu(z[i] + eps) - gelu(z[i] - eps)) / (2 * eps);
      assertEquals(dOut[i] * numeric, pre.getDouble(i), 1e-7, "finite difference");
    }
  }
}
