package org.npffn.stack.layers;

/**
 * How a sequence layer computes under {@code rnnTimeStep}, where it sees only the new tokens of each sequence.
 * Every layer of the SDK says which it is, so none is ever silently stateless.
 */
public enum StepMode {
  /** Each token's output depends on that token alone (norms, FFNs): the step is the ordinary forward. */
  PER_TOKEN,
  /**
   * The output depends on earlier tokens, which the layer summarises in its {@link StepState} (the attention KV
   * cache, the embedding's position, the NP running context).
   */
  CARRIES_STATE
}
