package org.npffn.stack.norm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.NativeElements;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.RowGather;

/**
 * LayerNorm and RMSNorm over each row of [N, C], forward and backward, in one Java pass per row each: ND4J ops
 * took about ten passes over [N, C] for either (a mean, a centring, a square, another mean, a power, scalings,
 * the gain and the bias), each with its own temporary. Sums run in double.
 *
 * <p>Forward: x̂ = (x - μ)·σ⁻¹ with σ = sqrt(mean((x - μ)²) + ε) (LayerNorm, Ba et al. 2016, eq. 3-4) or
 * x̂ = x·σ⁻¹ with σ = sqrt(mean(x²) + ε) (RMSNorm, Zhang and Sennrich 2019, eq. 4); y = g ⊙ x̂ (+ b).
 */
final class NormRows {
  private NormRows() {}

  /**
   * Writes x̂ [N, C], σ⁻¹ [N, 1] and y [N, C] (contiguous c-order buffers) for x [N, C].
   *
   * @param gain g [1, C]
   * @param bias b [1, C], or null for RMSNorm
   */
  static void forward(INDArray x, INDArray gain, INDArray bias, NormKind kind, double eps, INDArray xhat,
      INDArray rstd, INDArray y) {
    INDArray in = RowBlockView.isContiguous(x) ? x : x.dup('c');
    long n = in.rows();
    int c = (int) in.columns();
    double[] g = RowGather.values(gain);
    double[] b = bias == null ? null : RowGather.values(bias);
    NativeElements xs = NativeElements.of(in);
    NativeElements hats = NativeElements.of(xhat);
    NativeElements rs = NativeElements.of(rstd);
    NativeElements ys = NativeElements.of(y);
    double[] row = new double[c];
    double[] out = new double[c];
    for (long r = 0; r < n; r++) {
      xs.read(in.offset() + r * c, row, c);
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += row[j];
      }
      double mean = kind == NormKind.LAYER ? sum / c : 0;
      double squares = 0;
      for (int j = 0; j < c; j++) {
        row[j] -= mean;
        squares += row[j] * row[j];
      }
      double inverse = 1 / Math.sqrt(squares / c + eps);
      rs.put(rstd.offset() + r, inverse);
      for (int j = 0; j < c; j++) {
        row[j] *= inverse; //                                                    x̂
        out[j] = b == null ? g[j] * row[j] : g[j] * row[j] + b[j];
      }
      hats.write(xhat.offset() + r * c, row, c);
      ys.write(y.offset() + r * c, out, c);
    }
  }

  /**
   * Writes dx [N, C] for dy [N, C] and the gain's (and bias's) gradients, from the forward's x̂ and σ⁻¹:
   * dx̂ = dy ⊙ g, then dx = σ⁻¹·(dx̂ - mean(dx̂) - x̂·mean(dx̂ ⊙ x̂)) (LayerNorm) or σ⁻¹·(dx̂ - x̂·mean(dx̂ ⊙ x̂))
   * (RMSNorm); dg = Σ_rows dy ⊙ x̂, db = Σ_rows dy.
   *
   * @param dGain out: dL/dg [1, C]
   * @param dBias out: dL/db [1, C], or null for RMSNorm
   */
  static void backward(NormKind kind, INDArray dy, INDArray gain, INDArray xhat, INDArray rstd, INDArray dx, INDArray dGain,
      INDArray dBias) {
    INDArray in = RowBlockView.isContiguous(dy) ? dy : dy.dup('c');
    long n = in.rows();
    int c = (int) in.columns();
    double[] g = RowGather.values(gain);
    double[] dg = new double[c];
    double[] db = dBias == null ? null : new double[c];
    NativeElements dys = NativeElements.of(in);
    NativeElements hats = NativeElements.of(xhat);
    NativeElements rs = NativeElements.of(rstd);
    NativeElements dxs = NativeElements.of(dx);
    double[] d = new double[c];
    double[] dHat = new double[c];
    double[] hat = new double[c];
    for (long r = 0; r < n; r++) {
      dys.read(in.offset() + r * c, d, c);
      hats.read(xhat.offset() + r * c, hat, c);
      double sumDHat = 0;
      double sumDHatHat = 0;
      for (int j = 0; j < c; j++) {
        dg[j] += d[j] * hat[j];
        if (db != null) {
          db[j] += d[j];
        }
        dHat[j] = d[j] * g[j];
        sumDHat += dHat[j];
        sumDHatHat += dHat[j] * hat[j];
      }
      double meanDHat = kind == NormKind.LAYER ? sumDHat / c : 0;
      double meanDHatHat = sumDHatHat / c;
      double inverse = rs.get(rstd.offset() + r);
      for (int j = 0; j < c; j++) {
        dHat[j] = inverse * (dHat[j] - meanDHat - hat[j] * meanDHatHat); //      dx
      }
      dxs.write(dx.offset() + r * c, dHat, c);
    }
    RowGather.setValues(dGain, dg);
    if (dBias != null) {
      RowGather.setValues(dBias, db);
    }
  }
}
