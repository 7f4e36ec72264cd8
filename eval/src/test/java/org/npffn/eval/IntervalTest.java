package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.npffn.eval.results.Interval;

/** 95% intervals over seeds: Student t with n − 1 degrees of freedom, none below 3 seeds. */
class IntervalTest {
  @Test
  void threeSeedsUseTheTQuantileOfTwoDegreesOfFreedom() {
    Interval i = Interval.of(8.0, 8.2, 8.4); // mean 8.2, s = 0.2, half-width 4.303 · 0.2 / √3
    assertEquals(8.2, i.mean(), 1e-12);
    assertEquals(4.303 * 0.2 / Math.sqrt(3), i.high() - i.mean(), 1e-9);
    assertEquals(i.high() - i.mean(), i.mean() - i.low(), 1e-12);
    assertEquals(3, i.n());
  }

  @Test
  void fewerThanThreeSeedsGiveNoInterval() {
    Interval two = Interval.of(8.0, 9.0);
    assertEquals(8.5, two.mean(), 1e-12);
    assertTrue(Double.isNaN(two.low()) && Double.isNaN(two.high()));
    assertTrue(Double.isNaN(Interval.of().mean()));
  }

  @Test
  void manySeedsApproachTheNormalQuantile() {
    double[] v = new double[100];
    for (int i = 0; i < v.length; i++) {
      v[i] = i % 2;
    }
    Interval i = Interval.of(v);
    double s = Math.sqrt(25.0 / 99); // sample variance of 50 zeros and 50 ones: 25/99
    assertEquals(1.96 * s / 10, i.high() - i.mean(), 1e-9);
  }
}
