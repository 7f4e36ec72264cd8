package org.npffn.eval.train;

import java.util.List;
import java.util.Map;
import org.npffn.eval.results.LayerResult.TrainingUsage;
import org.npffn.eval.results.RunResult.CurvePoint;
import org.npffn.eval.results.RunResult.ValidationPoint;

/**
 * Where a training run stands after {@code step} steps: what a checkpoint holds besides the model, so a
 * resumed run ends with the same curves as an uninterrupted one.
 *
 * @param step optimizer steps done
 * @param tokens real training tokens seen
 * @param seconds training wall time so far (over every process that worked on the run)
 * @param curve training loss per logging interval
 * @param validation validation loss per validation interval
 * @param usage per routing or gating layer: its balance on the logged training batches
 * @param stepsAboveBound the current streak of steps above the divergence bound ({@link DivergenceRule})
 */
public record TrainingState(int step, long tokens, double seconds, List<CurvePoint> curve,
    List<ValidationPoint> validation, Map<String, List<TrainingUsage>> usage, int stepsAboveBound) {

  public TrainingState {
    curve = List.copyOf(curve);
    validation = List.copyOf(validation);
    usage = Map.copyOf(usage);
  }

  /** Before the first step. */
  public static TrainingState start() {
    return new TrainingState(0, 0, 0, List.of(), List.of(), Map.of(), 0);
  }
}
