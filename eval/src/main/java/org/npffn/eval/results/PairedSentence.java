package org.npffn.eval.results;

import java.util.List;

/**
 * A {@link PairedDifference} in one sentence, e.g. "np is 1.9% below dense in test bits per byte (-0.0880
 * bits/byte; 95% CI 1.1% to 2.7% below, 3 seeds)". "Below" is better: fewer bits per byte. With fewer than
 * {@value Interval#MIN_SEEDS} paired seeds the sentence says there is no interval and claims no difference.
 */
final class PairedSentence {
  private PairedSentence() {}

  static String of(String arm, String reference, List<Long> seeds, Interval bpb, Interval pct,
      boolean excludesZero) {
    int n = seeds.size();
    if (n == 0) {
      return "No seed where both " + arm + " and " + reference + " are ok, so no comparison.";
    }
    // one decimal reads well above 1%, small differences need two
    int d = Math.abs(pct.mean()) >= 1 ? 1 : 2;
    String head = arm + " is " + Decimals.fixed(Math.abs(pct.mean()), d) + "% " + side(pct.mean()) + " " + reference
        + " in test bits per byte (" + Decimals.signed(bpb.mean(), 4) + " bits/byte";
    if (n == 1) {
      return head + ") in a single paired seed (seed " + seeds.get(0) + "): a single run, no interval, no claim "
          + "of a difference.";
    }
    if (n < Interval.MIN_SEEDS) {
      return head + ", mean of " + n + " paired seeds " + seeds + "): fewer than " + Interval.MIN_SEEDS
          + " seeds, so no interval and no claim of a difference.";
    }
    String ci = "95% CI " + range(pct.low(), pct.high(), d) + ", " + n + " seeds)";
    return head + "; " + ci + (excludesZero ? "." : ": the interval includes zero, so these seeds do not separate them.");
  }

  private static String side(double v) {
    return v < 0 ? "below" : "above";
  }

  /** The interval in words: "1.1% to 2.7% below", "0.2% to 1.2% above" or "2.0% below to 1.8% above". */
  private static String range(double low, double high, int d) {
    if (high < 0) {
      return pct(-high, d) + " to " + pct(-low, d) + " below";
    }
    if (low > 0) {
      return pct(low, d) + " to " + pct(high, d) + " above";
    }
    return pct(-low, d) + " below to " + pct(high, d) + " above";
  }

  private static String pct(double v, int d) {
    return Decimals.fixed(v, d) + "%";
  }
}
