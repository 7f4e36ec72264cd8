package org.npffn.stack.ffn;

import java.util.List;
import org.npffn.stack.layers.SequenceLayerConf;

/**
 * The FFN-slot contract, config side: every FFN kind (dense, MoE, Neural-Process) extends this.
 *
 * <p>An FFN layer maps a sequence of width d to a sequence of width d. Its implementation computes on token
 * rows [N, d] with a row mask (see {@link org.npffn.stack.layers.SequenceLayer}), so a routing layer can
 * group the rows by expert, gather them, and run each expert on its own tokens only (sparse dispatch); a
 * context-conditioned layer still sees B and T to run causal scans over the rows of each sequence.
 *
 * <p>A layer whose implementation routes or gates also implements {@link UsageReporting}.
 */
public abstract class FfnSlotConf extends SequenceLayerConf {

  protected FfnSlotConf() {}

  protected FfnSlotConf(Builder<?> builder) {
    super(builder);
  }

  /** Parameter and FLOP accounting. Valid once the width is known (nIn set, e.g. after the graph is built). */
  public abstract FfnCost cost();

  /**
   * The keys of the weights that write into the residual stream (the FFN's last projection: every expert's,
   * every group's). GPT-2's initialisation scales these by 1/sqrt(2L) (Radford et al. 2019, section 2.3).
   */
  public abstract List<String> residualOutputKeys();
}
