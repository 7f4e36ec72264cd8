package org.npffn.eval.results;

/**
 * A mean over seeds with its 95% confidence interval: mean ± t_{0.975, n−1}·s/√n (Student t, s the sample
 * standard deviation). With fewer than 3 values there is no interval (low and high are NaN, written as null):
 * two seeds give a t quantile of 12.7 and an interval that says nothing.
 *
 * @param mean the mean (NaN when n = 0)
 * @param low lower end of the interval
 * @param high upper end of the interval
 * @param n how many values (successful seeds)
 */
public record Interval(double mean, double low, double high, int n) {
  /** Smallest n that gets an interval. */
  public static final int MIN_SEEDS = 3;

  // t_{0.975, df} for df = 1..30; beyond that 1.96 is within 2%
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
      2.056, 2.052, 2.048, 2.045, 2.042};

  /** The interval of {@code values}. */
  public static Interval of(double... values) {
    int n = values.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double mean = 0;
    for (double v : values) {
      mean += v / n;
    }
    if (n < MIN_SEEDS) {
      return new Interval(mean, Double.NaN, Double.NaN, n);
    }
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    double half = tQuantile975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    return new Interval(mean, mean - half, mean + half, n);
  }

  static double tQuantile975(int df) {
    return df <= T975.length ? T975[df - 1] : 1.96;
  }
}
