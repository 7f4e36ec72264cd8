package org.npffn.stack.ffn;

/**
 * Makes the FFN layer of one transformer block. The stack builder calls it once per block, so different
 * blocks can hold different FFN kinds (e.g. an MoE in every other block).
 */
@FunctionalInterface
public interface FfnFactory {

  /**
   * @param block the block index, 0-based
   * @param width d, the width of the residual stream (the layer's nIn and nOut)
   * @return a fresh, unshared layer config
   */
  FfnSlotConf create(int block, long width);
}
