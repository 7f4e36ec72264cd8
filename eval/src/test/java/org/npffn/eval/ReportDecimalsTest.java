package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.npffn.eval.results.Decimals;

/** Report numbers: no signed zero ("-0.0000" printed for the NP's shuffled-context increase), "-" for NaN. */
class ReportDecimalsTest {
  @Test
  void aValueThatRoundsToZeroHasNoSign() {
    assertEquals("0.0000", Decimals.fixed(-1e-6, 4));
    assertEquals("0.0000", Decimals.signed(-1e-6, 4));
    assertEquals("0.0000", Decimals.signed(1e-6, 4));
    assertEquals("0", Decimals.format("%,.0f", -0.4));
    assertEquals("0.000", Decimals.fixed(-0.0, 3));
  }

  @Test
  void otherValuesKeepTheirSign() {
    assertEquals("-0.0001", Decimals.fixed(-1e-4, 4));
    assertEquals("+0.034", Decimals.signed(0.034, 3));
    assertEquals("-1.5", Decimals.fixed(-1.5, 1));
    assertEquals("-10.0", Decimals.fixed(-10, 1));
    assertEquals("-1,234", Decimals.format("%,.0f", -1234.4));
  }

  @Test
  void whatIsNotFiniteIsADash() {
    assertEquals("-", Decimals.fixed(Double.NaN, 3));
    assertEquals("-", Decimals.signed(Double.POSITIVE_INFINITY, 3));
  }
}
