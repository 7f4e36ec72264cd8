package org.npffn.eval.train;

import com.google.common.base.Preconditions;

/**
 * When a run counts as diverged: its training cross-entropy or any parameter is non-finite, or its training
 * cross-entropy stays above ln(V) + 1 nats (one nat worse than guessing uniformly over the V-byte vocabulary)
 * for {@value #PATIENCE} consecutive steps after the warm-up. The report echoes {@link #describe()}.
 *
 * <p>Stateful: one instance per run, fed every step in order.
 */
public final class DivergenceRule {
  /** Consecutive steps above the bound that make a run diverged. */
  public static final int PATIENCE = 20;

  private final double bound;
  private final int warmup;
  private int above;

  /**
   * @param vocab V, the output vocabulary
   * @param warmup warm-up steps, during which a high loss does not count
   * @param above the streak of steps above the bound so far (a resumed run continues its streak)
   */
  public DivergenceRule(int vocab, int warmup, int above) {
    Preconditions.checkArgument(vocab > 1, "vocab = %s must be at least 2", vocab);
    Preconditions.checkArgument(above >= 0, "above = %s must be non-negative", above);
    this.bound = Math.log(vocab) + 1;
    this.warmup = warmup;
    this.above = above;
  }

  /** The current streak of consecutive steps above the bound. */
  public int above() {
    return above;
  }

  /** The rule in one sentence, for reports. */
  public static String describe() {
    return "a run diverged when its training cross-entropy or a parameter became NaN or infinite, or its training "
        + "cross-entropy stayed above ln(V) + 1 nats for " + PATIENCE + " consecutive steps after the warm-up";
  }

  /**
   * Records step {@code step}'s training cross-entropy.
   *
   * @param paramsFinite whether every parameter is finite after the step
   * @return why the run diverged at this step, or null while it has not
   */
  public String check(int step, double crossEntropy, boolean paramsFinite) {
    if (!Double.isFinite(crossEntropy)) {
      return "training cross-entropy became " + crossEntropy + " at step " + step;
    }
    if (!paramsFinite) {
      return "a parameter became NaN or infinite at step " + step;
    }
    above = step > warmup && crossEntropy > bound ? above + 1 : 0;
    if (above >= PATIENCE) {
      return String.format("training cross-entropy above ln(V) + 1 = %.3f nats for %d consecutive steps after the "
          + "warm-up (%.3g at step %d)", bound, PATIENCE, crossEntropy, step);
    }
    return null;
  }
}
