package org.npffn.stack.layers;

/**
 * A layer met a NaN or infinite value it cannot route or compute on (e.g. a router logit). Training code
 * treats it as the run diverging, not as a bug in the layer: the values came from exploding weights or input.
 */
public class NonFiniteValueException extends IllegalStateException {
  public NonFiniteValueException(String message) {
    super(message);
  }
}
