package org.npffn.stack.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** RowSoftmax against the plain definitions: p = exp(h) / Σ exp(h), log Σ exp(h), dh = (diag(p) - p pᵀ) dp. */
class RowSoftmaxTest {
  private static final int ROWS = 5;
  private static final int WIDTH = 7;

  private static double[] randomRows(Random rng, double scale) {
    double[] h = new double[ROWS * WIDTH];
    for (int i = 0; i < h.length; i++) {
      h[i] = scale * rng.nextGaussian();
    }
    return h;
  }

  @Test
  void forwardIsExpOverSumOfExpAndReturnsTheLogSumExp() {
    double[] h = randomRows(new Random(1), 3);
    double[] p = new double[h.length];
    for (int row = 0; row < ROWS; row++) {
      double sum = 0;
      for (int i = 0; i < WIDTH; i++) {
        sum += Math.exp(h[row * WIDTH + i]);
      }
      double lse = RowSoftmax.forward(h, row, WIDTH, p);
      assertEquals(Math.log(sum), lse, 1e-12);
      assertEquals(Math.log(sum), RowSoftmax.logSumExp(h, row, WIDTH), 1e-12);
      for (int i = 0; i < WIDTH; i++) {
        assertEquals(Math.exp(h[row * WIDTH + i]) / sum, p[row * WIDTH + i], 1e-15, "row " + row + ", " + i);
      }
    }
  }

  /** exp(1000) overflows: the shifted form still gives the exact shares and log-sum-exp. */
  @Test
  void largeLogitsDoNotOverflow() {
    double[] h = {1000, 1000, 0};
    double[] p = new double[3];
    assertEquals(1000 + Math.log(2), RowSoftmax.forward(h, 0, 3, p), 1e-12);
    assertEquals(0.5, p[0], 1e-15);
    assertEquals(0.5, p[1], 1e-15);
    assertEquals(0.0, p[2], 1e-15);
    assertEquals(1000 + Math.log(2), RowSoftmax.logSumExp(h, 0, 3), 1e-12);
  }

  @Test
  void backwardIsTheJacobianTimesDpAndMatchesFiniteDifferences() {
    Random rng = new Random(2);
    double[] h = randomRows(rng, 2);
    double[] p = new double[h.length];
    double[] dh = new double[h.length];
    for (int row = 0; row < ROWS; row++) {
      RowSoftmax.forward(h, row, WIDTH, p);
      double[] dp = new double[WIDTH];
      for (int i = 0; i < WIDTH; i++) {
        dp[i] = rng.nextGaussian();
      }
      RowSoftmax.backward(p, row, WIDTH, dp, dh);
      for (int i = 0; i < WIDTH; i++) {
        // (diag(p) - p pᵀ) dp, row i
        double jacobian = 0;
        for (int j = 0; j < WIDTH; j++) {
          jacobian += ((i == j ? p[row * WIDTH + i] : 0) - p[row * WIDTH + i] * p[row * WIDTH + j]) * dp[j];
        }
        assertEquals(jacobian, dh[row * WIDTH + i], 1e-14);
        // L(h) = Σ_j dp_j p_j(h), by central differences in h_i
        double eps = 1e-6;
        double[] plus = h.clone();
        double[] minus = h.clone();
        plus[row * WIDTH + i] += eps;
        minus[row * WIDTH + i] -= eps;
        double numeric = (weighted(plus, row, dp) - weighted(minus, row, dp)) / (2 * eps);
        assertEquals(numeric, dh[row * WIDTH + i], 1e-8);
      }
    }
  }

  private static double weighted(double[] h, int row, double[] w) {
    double[] p = new double[h.length];
    RowSoftmax.forward(h, row, WIDTH, p);
    double sum = 0;
    for (int j = 0; j < WIDTH; j++) {
      sum += w[j] * p[row * WIDTH + j];
    }
    return sum;
  }
}
