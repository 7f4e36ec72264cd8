package org.npffn.stack.schedule;

import com.google.common.base.Preconditions;
import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Learning rate with linear warm-up then cosine decay (Loshchilov and Hutter 2017, without restarts), the
 * schedule of GPT-style training. DL4J 1.0.0-M2.1 has none.
 *
 * <p>lr(i) = peak·(i+1)/warmup for i &lt; warmup; then min + (peak - min)·(1 + cos(π·p))/2 with
 * p = (i - warmup)/(total - warmup), and min past the end.
 *
 * <p>Part of the library, not the harness: a model's updater configuration names this class, so a model saved
 * by the harness loads wherever the layers do (JSON round trip tested).
 */
public class WarmupCosineSchedule implements ISchedule {
  private final double peak;
  private final double min;
  private final int warmup;
  private final int total;

  public WarmupCosineSchedule(@JsonProperty("peak") double peak, @JsonProperty("min") double min,
      @JsonProperty("warmup") int warmup, @JsonProperty("total") int total) {
    Preconditions.checkArgument(peak > 0, "peak = %s must be positive", peak);
    Preconditions.checkArgument(min >= 0 && min <= peak, "min = %s must be in [0, peak = %s]", min, peak);
    Preconditions.checkArgument(warmup >= 0 && warmup < total, "warmup = %s must be in [0, total = %s)", warmup,
        total);
    this.peak = peak;
    this.min = min;
    this.warmup = warmup;
    this.total = total;
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    if (iteration < warmup) {
      return peak * (iteration + 1) / warmup;
    }
    if (iteration >= total) {
      return min;
    }
    double p = (double) (iteration - warmup) / (total - warmup);
    return min + (peak - min) * (1 + Math.cos(Math.PI * p)) / 2;
  }

  @Override
  public ISchedule clone() {
    return new WarmupCosineSchedule(peak, min, warmup, total);
  }

  public double getPeak() {
    return peak;
  }

  public double getMin() {
    return min;
  }

  public int getWarmup() {
    return warmup;
  }

  public int getTotal() {
    return total;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WarmupCosineSchedule s && peak == s.peak && min == s.min && warmup == s.warmup
        && total == s.total;
  }

  @Override
  public int hashCode() {
    return Objects.hash(peak, min, warmup, total);
  }
}
