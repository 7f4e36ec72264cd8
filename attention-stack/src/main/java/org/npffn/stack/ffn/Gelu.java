package org.npffn.stack.ffn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GELU in its sigmoid form, gelu(z) = z·σ(1.702 z) (Hendrycks and Gimpel 2016, §2; the form of ND4J's GELU
 * op), forward and backward on ND4J arrays of any shape, written into the caller's arrays.
 *
 * <p>The forward keeps s = σ(a·z), so the backward needs no transcendental function:
 * d/dz z·σ(a z) = s + a·(z·s)·(1 - s): one sigmoid and arithmetic passes, about half the time of ND4J's GELU
 * and GELUDerivative ops (docs/benchmarks.md). The same form with a = 1 is SiLU, SwiGLU's gate.
 */
public final class Gelu {
  /** a of z·σ(a z) that approximates z·Φ(z). */
  public static final double SLOPE = 1.702;

  private Gelu() {}

  /** out = z·s, s = σ(1.702 z) kept in {@code sig} for the backward. {@code out} may be {@code z}. */
  public static void forward(INDArray z, INDArray sig, INDArray out) {
    sigmoidWeighted(z, SLOPE, sig, out);
  }

  /** out = z·σ(a z), σ(a z) kept in {@code sig}: a = {@link #SLOPE} is GELU, a = 1 SiLU. */
  public static void sigmoidWeighted(INDArray z, double a, INDArray sig, INDArray out) {
    z.mul(a, sig);
    Nd4j.exec(new Sigmoid(sig, sig));
    z.mul(sig, out);
  }

  /**
   * Forward was out = z·s, s = σ(1.702 z): dz = dOut ⊙ (s + 1.702·out ⊙ (1 - s)), written over {@code z}.
   *
   * @param out the forward's output
   * @param dOut dL/dout
   */
  public static void backward(INDArray z, INDArray sig, INDArray out, INDArray dOut) {
    sig.rsub(1.0, z).muli(out).muli(SLOPE).addi(sig).muli(dOut);
  }
}
