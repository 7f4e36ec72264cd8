package org.npffn.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.npffn.eval.compare.ArmSummaries;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.CorpusInfo;
import org.npffn.eval.results.CompareResults.SplitPart;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.LayerResult.TrainingUsage;
import org.npffn.eval.results.LayerResult.Usage;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.results.RunResult.Loss;
import org.npffn.eval.results.StatedAnswer;

/** Hand-made results for tests of the report and its statistics: chosen numbers, nothing trained. */
final class ResultsFixtures {
  static final String RULE = "a run diverged when (the rule as the harness words it)";

  private ResultsFixtures() {}

  /** An ok run whose test (and validation) loss is {@code bitsPerByte}. */
  static RunResult ok(String arm, long seed, double bitsPerByte, LayerResult... layers) {
    Loss loss = Loss.ofNats(bitsPerByte * Math.log(2), 4096);
    return new RunResult(arm, seed, RunResult.OK, null, null, 60, null, 1000, 800, 2000, 5000, 3, 1 << 20, loss, loss,
        List.of(new RunResult.CurvePoint(1, 512, 5.5, 1e-3), new RunResult.CurvePoint(60, 30720, 3.2, 1e-4)),
        List.of(new RunResult.ValidationPoint(60, 3.2)), new double[] {3.3, 3.2, 3.1, 3.0}, List.of(),
        arm.startsWith("np") ? -1e-6 : null, List.of(layers));
  }

  /** A run that diverged at {@code step}. */
  static RunResult diverged(String arm, long seed, int step, LayerResult... layers) {
    return new RunResult(arm, seed, RunResult.DIVERGED, arm + "/seed " + seed + " diverged: training cross-entropy "
        + "became NaN at step " + step, step, step - 1, null, 1000, 800, 2000, Double.NaN, 1, 1 << 20, null, null,
        List.of(new RunResult.CurvePoint(1, 512, 5.5, 1e-3)), List.of(), new double[0], List.of(), null,
        List.of(layers));
  }

  /** An MoE layer with these test loads (token-slots per expert). */
  static LayerResult moe(double... load) {
    double total = 0;
    for (double l : load) {
      total += l;
    }
    double[] fraction = new double[load.length];
    for (int e = 0; e < load.length; e++) {
      fraction[e] = load[e] / total;
    }
    Usage u = new Usage((long) total / 2, load, fraction, fraction, 0.5, 1.25, 1.5, 0.9, 0.4, 0.01, 3.5,
        Map.of("router_z", 2.0));
    return new LayerResult("block0.ffn", 0, "moe", load.length, u, List.of(new TrainingUsage(1, fraction, 1.0, 0.5)),
        0.1, Map.of(), null);
  }

  /** An NP layer whose groups' mean gate weights are {@code meanGate}. */
  static LayerResult np(double... meanGate) {
    double[] load = new double[meanGate.length];
    for (int m = 0; m < meanGate.length; m++) {
      load[m] = 1000 * meanGate[m];
    }
    Usage u = new Usage(1000, load, meanGate, meanGate, 0.02, 0.05, 0.06, 0.99, 0.3, 0, 3.9,
        Map.of("effective_groups", 3.9, "specialisation", 0.1, "dead_groups", 0.0, "context_reliance", 0.2));
    return new LayerResult("block0.ffn", 0, "np", meanGate.length, u,
        List.of(new TrainingUsage(1, meanGate, 0.05, 0.02)), 0.5, Map.of(), null);
  }

  static LayerResult dense() {
    return new LayerResult("block0.ffn", 0, "dense", 1, null, List.of(), null, Map.of(), null);
  }

  /** The whole document a compare of {@code runs} would write, with init {@code init}. */
  static CompareResults results(String init, List<RunResult> runs) {
    List<Long> seeds = new ArrayList<>(new TreeSet<>(runs.stream().map(RunResult::seed).toList()));
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("steps", 60);
    training.put("batch", 16);
    training.put("length", 4);
    training.put("init", init);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("preset", "smoke");
    config.put("training", training);
    Map<String, SplitPart> split = new LinkedHashMap<>();
    split.put("train", new SplitPart(10, 1000));
    split.put("validation", new SplitPart(1, 100));
    split.put("test", new SplitPart(1, 100));
    return new CompareResults(CompareResults.SCHEMA_VERSION, "2026-12-04", "compare --preset smoke", "smoke", config,
        seeds, new CorpusInfo("fixture", "by hand", split, Map.of()), "AdamW", RULE, StatedAnswer.of(runs),
        ArmSummaries.of(runs), runs);
  }
}
