package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.npffn.eval.train.DivergenceRule;

/** The divergence rule of docs/eval.md: non-finite values at once, a high loss after 20 steps past warm-up. */
class DivergenceRuleTest {
  private static final double BOUND = Math.log(256) + 1;

  @Test
  void nonFiniteLossOrParametersDivergeAtOnce() {
    assertTrue(new DivergenceRule(256, 10, 0).check(1, Double.NaN, true).contains("NaN at step 1"));
    assertTrue(new DivergenceRule(256, 10, 0).check(2, Double.POSITIVE_INFINITY, true).contains("Infinity"));
    assertTrue(new DivergenceRule(256, 10, 0).check(3, 2.0, false).contains("parameter"));
  }

  @Test
  void aHighLossCountsOnlyAfterWarmupAndOnlyWhenConsecutive() {
    DivergenceRule rule = new DivergenceRule(256, 10, 0);
    for (int step = 1; step <= 10; step++) {
      assertNull(rule.check(step, BOUND + 5, true), "warm-up steps do not count");
    }
    for (int step = 11; step <= 29; step++) {
      assertNull(rule.check(step, BOUND + 0.01, true), "step " + step);
    }
    assertNull(rule.check(30, BOUND - 0.01, true), "a step below the bound ends the streak");
    for (int step = 31; step <= 49; step++) {
      assertNull(rule.check(step, BOUND + 0.01, true), "step " + step);
    }
    String why = rule.check(50, BOUND + 0.01, true);
    assertNotNull(why, "20 consecutive steps above ln(V) + 1");
    assertTrue(why.contains("20 consecutive steps") && why.contains("6.545"), why);
  }

  @Test
  void aResumedRunContinuesItsStreak() {
    DivergenceRule rule = new DivergenceRule(256, 0, 19);
    assertNotNull(rule.check(100, BOUND + 1, true));
  }
}
