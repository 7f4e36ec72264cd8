package org.npffn.eval.train;

import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The schedule's name before it moved into the library: models saved by the harness before 2026-12-04 name
 * this class in their updater configuration, and still load where eval is on the classpath.
 *
 * @deprecated use {@link org.npffn.stack.schedule.WarmupCosineSchedule}, which new models name
 */
@Deprecated
public final class WarmupCosineSchedule extends org.npffn.stack.schedule.WarmupCosineSchedule {
  public WarmupCosineSchedule(@JsonProperty("peak") double peak, @JsonProperty("min") double min,
      @JsonProperty("warmup") int warmup, @JsonProperty("total") int total) {
    super(peak, min, warmup, total);
  }
}
