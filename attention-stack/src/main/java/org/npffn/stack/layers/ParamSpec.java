package org.npffn.stack.layers;

/**
 * One parameter of a layer: its key, shape and how it starts.
 *
 * @param key the parameter key (a constant of the layer's config)
 * @param rows first dimension
 * @param cols second dimension (1-row vectors are [1, cols])
 * @param role what the parameter is to DL4J (weight decay applies to WEIGHT only) and how it is initialised
 * @param fanIn fan-in passed to the configured weight init (WEIGHT only)
 * @param fanOut fan-out passed to the configured weight init (WEIGHT only)
 */
public record ParamSpec(String key, long rows, long cols, Role role, long fanIn, long fanOut) {

  /** How a parameter is treated and initialised. */
  public enum Role {
    /** A trained matrix, drawn from the layer's weight init; weight decay applies. */
    WEIGHT,
    /** A trained matrix that starts at zero (e.g. an output factor that must start silent). */
    WEIGHT_ZERO,
    /** A trained additive vector starting at zero; no weight decay. */
    BIAS,
    /** A trained multiplicative vector starting at one (norm gains); no weight decay. */
    GAIN,
    /** Saved with the model but not trained by the updater (running statistics, balancing biases). */
    STATE
  }

  public static ParamSpec weight(String key, long rows, long cols) {
    return new ParamSpec(key, rows, cols, Role.WEIGHT, rows, cols);
  }

  public static ParamSpec zeroWeight(String key, long rows, long cols) {
    return new ParamSpec(key, rows, cols, Role.WEIGHT_ZERO, rows, cols);
  }

  public static ParamSpec bias(String key, long cols) {
    return new ParamSpec(key, 1, cols, Role.BIAS, 0, 0);
  }

  public static ParamSpec gain(String key, long cols) {
    return new ParamSpec(key, 1, cols, Role.GAIN, 0, 0);
  }

  public static ParamSpec state(String key, long cols) {
    return new ParamSpec(key, 1, cols, Role.STATE, 0, 0);
  }

  public long length() {
    return rows * cols;
  }

  public boolean isWeight() {
    return role == Role.WEIGHT || role == Role.WEIGHT_ZERO;
  }
}
