package org.npffn.np;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.ffn.UsageSnapshot;

/**
 * The NP layer's usage statistics (docs/np-layer.md, "Statistics"): p̄ = mean_t α_t; load = kept tokens per
 * group under inference top-k, else the summed α; scalars: the effective number of groups exp H(p̄), per token
 * exp E_t H(α_t), their difference (specialisation), dead groups (p̄_m below 0.1/M) and, in inference passes,
 * the context reliance ‖U r_t‖ / ‖W_up h_t + b‖. Padding counts nowhere.
 */
final class GroupStatistics {
  private GroupStatistics() {}

  /**
   * Sums over the real rows of one forward: their count, Σ_t α_t per group and Σ_t H(α_t). Sums of blocks of
   * sequences add up to the sums of the whole batch.
   */
  record Sums(long count, double[] alphaSum, double entropy) {

    static Sums of(double[] alpha, boolean[] real, int m) {
      double[] summed = new double[m];
      double entropy = 0;
      long count = 0;
      for (int row = 0; row < real.length; row++) {
        if (!real[row]) {
          continue;
        }
        count++;
        for (int g = 0; g < m; g++) {
          double a = alpha[row * m + g];
          summed[g] += a;
          if (a > 0) {
            entropy -= a * Math.log(a);
          }
        }
      }
      return new Sums(count, summed, entropy);
    }

    Sums plus(Sums o) {
      double[] a = alphaSum.clone();
      for (int g = 0; g < a.length; g++) {
        a[g] += o.alphaSum[g];
      }
      return new Sums(count + o.count, a, entropy + o.entropy);
    }
  }

  /**
   * The snapshot of a pass with these sums.
   *
   * @param topKLoad the tokens each group computed under inference top-k, or null (load = Σ α)
   * @param reliance the context reliance, or NaN when not measured
   */
  static UsageSnapshot snapshot(String layer, Sums sums, double[] topKLoad, double reliance) {
    int m = sums.alphaSum().length;
    double[] mean = new double[m];
    double entropyOfMean = 0;
    int dead = 0;
    for (int g = 0; g < m; g++) {
      mean[g] = sums.alphaSum()[g] / Math.max(sums.count(), 1);
      if (mean[g] > 0) {
        entropyOfMean -= mean[g] * Math.log(mean[g]);
      }
      if (mean[g] < 0.1 / m) {
        dead++;
      }
    }
    double effective = Math.exp(entropyOfMean);
    double perToken = Math.exp(sums.entropy() / Math.max(sums.count(), 1));
    Map<String, Double> scalars = new HashMap<>();
    scalars.put("effective_groups", effective);
    scalars.put("effective_groups_per_token", perToken);
    scalars.put("specialisation", effective - perToken);
    scalars.put("dead_groups", (double) dead);
    if (!Double.isNaN(reliance)) {
      scalars.put("context_reliance", reliance);
    }
    return new UsageSnapshot(layer, sums.count(), topKLoad != null ? topKLoad : sums.alphaSum().clone(), mean, 0,
        scalars);
  }

  /** Mean over real rows of ‖r U‖ / ‖x Wup + b‖ (rows whose denominator is 0 are left out); NaN for none. */
  static double contextReliance(INDArray ru, INDArray pre, boolean[] real) {
    double[] num = ru.norm2(1).toDoubleVector();
    double[] den = pre.norm2(1).toDoubleVector();
    double sum = 0;
    int count = 0;
    for (int row = 0; row < real.length; row++) {
      if (real[row] && den[row] > 0) {
        sum += num[row] / den[row];
        count++;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }
}
