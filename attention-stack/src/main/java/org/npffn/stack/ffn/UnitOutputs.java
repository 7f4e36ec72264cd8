package org.npffn.stack.ffn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Implemented by FFN kinds made of units (MoE experts, NP groups): each unit's own output on the rows of the
 * last forward pass, before gating, so a harness can measure how alike the units are (docs/eval.md, expert
 * similarity).
 */
public interface UnitOutputs {

  /** Number of units (experts or groups). */
  int units();

  /**
   * Unit {@code u}'s ungated output [N, C] on every row of this layer's last forward pass (padding rows
   * included; the caller masks them), as a new array. A network's output() clears its layers' inputs
   * afterwards, so call the layer's own setInput and activate(false, ...) first (UnitSimilarity does).
   *
   * @throws IllegalStateException when the layer holds no forward pass
   */
  INDArray unitOutput(int u);
}
