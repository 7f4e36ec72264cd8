package org.npffn.eval.compare;

import com.google.common.base.Preconditions;
import org.npffn.np.NpFfn;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * NP configurations matched to the other FFN kinds for the comparison's arms: to a dense FFN at equal FLOPs per
 * token, or to any FFN kind (the MoE arm's) at equal total parameters (within 2%). The hidden width is the free
 * variable, kept a multiple of M. It reads the other kind through the FFN-slot contract (FfnSlotConf.cost())
 * alone.
 */
public final class NpMatching {
  private NpMatching() {}

  /** An NP configuration and the layer it was matched to, with the accounting of both. */
  public record Match(FfnSlotConf reference, NpFfn np) {

    public String accounting() {
      FfnCost a = reference.cost();
      FfnCost b = np.cost();
      return a.describe(reference.getClass().getSimpleName()) + "\n"
          + b.describe(String.format("NpFfn (d=%d, h=%d, M=%d, r=%d)", np.getNIn(), np.getHidden(),
              np.getGroups(), np.getContextWidth())) + "\n"
          + String.format("np / %s: FLOPs/token %.3f, total params %.3f", reference.getClass().getSimpleName(),
              (double) b.flopsPerToken() / a.flopsPerToken(), (double) b.totalParams() / a.totalParams());
    }
  }

  /** The NP whose FLOPs per token are closest to the dense FFN d -> h -> d's (hidden a multiple of M). */
  public static Match flopMatched(long d, long h, NpFfn.Builder np) {
    DenseFfn dense = new DenseFfn.Builder().nIn(d).hidden(h).build();
    return new Match(dense, closest(d, np, dense.cost().flopsPerToken(), true));
  }

  /**
   * The NP whose total parameters are within 2% of {@code reference}'s (a config with its width set, e.g. the
   * MoE arm's).
   *
   * @throws IllegalArgumentException when no multiple of M gets within 2%
   */
  public static Match parameterMatched(FfnSlotConf reference, NpFfn.Builder np) {
    long target = reference.cost().totalParams();
    NpFfn best = closest(reference.getNIn(), np, target, false);
    double ratio = (double) best.cost().totalParams() / target;
    Preconditions.checkArgument(Math.abs(ratio - 1) <= 0.02,
        "no NP hidden width gets within 2%% of the %s's %s parameters (closest: %s)",
        reference.getClass().getSimpleName(), target, best.cost().totalParams());
    return new Match(reference, best);
  }

  /** Cost is affine in the hidden width: evaluate at two widths, solve, round to a multiple of M. */
  private static NpFfn closest(long d, NpFfn.Builder np, long target, boolean flops) {
    int m = np.getGroups();
    Preconditions.checkArgument(m > 0, "groups = %s must be set and positive", m);
    long c1 = cost(np, d, m, flops);
    long c2 = cost(np, d, 2L * m, flops);
    double perUnit = (c2 - c1) / (double) m;
    double hidden = m + (target - c1) / perUnit;
    long rounded = Math.max(m, Math.round(hidden / m) * m);
    return np.nIn(d).hidden(rounded).build();
  }

  private static long cost(NpFfn.Builder np, long d, long hidden, boolean flops) {
    FfnCost c = np.nIn(d).hidden(hidden).build().cost();
    return flops ? c.flopsPerToken() : c.totalParams();
  }
}
