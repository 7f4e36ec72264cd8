package org.npffn.moe;

import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * Noisy top-k gating (Shazeer et al. 2017, eq. 4), in training passes only, forward and backward:
 *
 * <pre>
 *   H = logits + ε ⊙ softplus(x W_n),  ε ~ N(0, 1)                                      [N, E]
 * </pre>
 *
 * ε is seeded by (noise seed, iteration), so a resumed run draws the same noise. W_n starts at zero: noise of
 * scale softplus(0) ≈ 0.69 until it learns otherwise.
 */
final class NoisyGating {
  /** One pass's draw, [N·E] each: ε and x W_n. */
  record Draw(double[] epsilon, double[] noiseLogits) {}

  private NoisyGating() {}

  /** Draws ε for the rows x [N, d] and returns the draw; {@link #apply} makes H of it. */
  static Draw draw(MoeFfn c, ScratchBuffers buffers, INDArray x, Map<String, INDArray> params, long iteration) {
    int n = (int) x.size(0);
    int e = c.getNExperts();
    INDArray nz = buffers.get("noiseLogits", x.dataType(), n, e);
    Nd4j.gemm(x, params.get(MoeFfn.NOISE), nz, false, false, 1.0, 0.0);
    double[] noiseLogits = RowGather.values(nz);
    Random rng = new Random(c.getNoiseSeed() * 1_000_003L + iteration);
    double[] epsilon = new double[n * e];
    for (int i = 0; i < epsilon.length; i++) {
      epsilon[i] = rng.nextGaussian();
    }
    return new Draw(epsilon, noiseLogits);
  }

  /** H = logits + ε·softplus(x W_n), a new array. */
  static double[] apply(double[] logits, Draw draw) {
    double[] h = logits.clone();
    for (int i = 0; i < h.length; i++) {
      h[i] += draw.epsilon()[i] * softplus(draw.noiseLogits()[i]);
    }
    return h;
  }

  /**
   * Forward was H = logits + ε·softplus(x W_n): d(x W_n) = dH ⊙ ε ⊙ σ(x W_n); writes dW_n and adds the term of
   * dx. Without a draw (an inference pass, or noise off in it), dW_n is 0.
   */
  static void backward(Draw draw, double[] dH, INDArray x, Map<String, INDArray> params,
      Map<String, INDArray> gradViews, INDArray dx) {
    INDArray gNoise = gradViews.get(MoeFfn.NOISE);
    if (draw == null) {
      gNoise.assign(0);
      return;
    }
    int n = (int) x.size(0);
    double[] dnz = new double[dH.length];
    for (int i = 0; i < dnz.length; i++) {
      dnz[i] = dH[i] * draw.epsilon()[i] * sigmoid(draw.noiseLogits()[i]);
    }
    INDArray dn = Nd4j.create(dnz, new long[] {n, dnz.length / n}, x.dataType());
    Nd4j.gemm(x, dn, gNoise, true, false, 1.0, 0.0);
    Nd4j.gemm(dn, params.get(MoeFfn.NOISE), dx, false, true, 1.0, 1.0);
  }

  private static double softplus(double v) {
    return v > 30 ? v : Math.log1p(Math.exp(v));
  }

  static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }
}
