package org.npffn.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.npffn.eval.analysis.DocumentLanguages;
import org.npffn.eval.compare.Arm;
import org.npffn.eval.compare.ArmRunner;
import org.npffn.eval.compare.ArmSummaries;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.compare.ResultTables;
import org.npffn.eval.compare.RunDirectory;
import org.npffn.eval.compare.SummaryTable;
import org.npffn.eval.compare.TestPromptContinuations;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusSplit;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.io.FileErrors;
import org.npffn.eval.report.ReportPage;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.CorpusInfo;
import org.npffn.eval.results.Continuations;
import org.npffn.eval.results.CompareResults.SplitPart;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.results.StatedAnswer;
import org.npffn.eval.train.DivergenceRule;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.TrainingLoop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code np-eval compare}: trains the same stack with each FFN kind on the same data, budget and seeds, and
 * writes results.json, one CSV per metric and a summary table. Every run checkpoints; --resume continues a
 * killed compare; a run whose loss turns non-finite stops with its last good checkpoint and the others go on.
 * Last, each arm's first-seed model continues a few test prompts, so the report shows text beside perplexity.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Train dense, MoE and NP arms on the same data and budget; report perplexity and balance.",
        "Options can also come from a file: np-eval compare @my-options.txt (one option per line)."})
final class CompareCommand implements Callable<Integer> {
  /**
   * The README's main job: dense, one top-k MoE, the ReLU-routed MoE and NP, four arms that fit the 30 minutes on
   * 2 cores. moe-lossfree runs with --arms or --preset full: it was never separated from moe-aux (docs/eval.md).
   */
  static final List<String> DEFAULT_ARMS = List.of("dense", "moe-aux", "moe-relu", "np");
  static final List<String> FULL_ARMS = List.of("dense", "moe-aux", "moe-lossfree", "moe-relu", "np", "dense-wide",
      "np-wide");

  @Mixin
  TrainOptions training;

  @Mixin
  FfnOptions ffn;

  @Option(names = "--arms", split = ",",
      description = "arms to run: dense, moe-aux, moe-lossfree, moe-relu, np, dense-wide, np-wide (default: "
          + "dense, moe-aux, moe-relu, np; all seven with --preset full)")
  List<String> arms;

  @Option(names = "--seeds", defaultValue = "3",
      description = "seeds per arm: --seed, --seed + 1, ...; 3 or more give 95%% intervals and paired differences, "
          + "1 gives single runs (default: ${DEFAULT-VALUE})")
  int seeds;

  @Option(names = "--checkpoint-every", description = "steps between checkpoints; 0 = no checkpoints (a killed "
      + "run then restarts from step 0 on --resume) (default: a fifth of the steps)")
  Integer checkpointEvery;

  @Option(names = "--text", description = "UTF-8 text file or directory, one document per line (default: the "
      + "embedded Europarl text)")
  Path text;

  @Option(names = "--out", defaultValue = "runs/compare", description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--resume", description = "continue the run in --out from its checkpoints and finished runs "
      + "(default: off; a fresh compare refuses an --out that holds a run)")
  boolean resume;

  @Spec
  CommandSpec spec;

  /** Run after every training step of every run; tests pass one to simulate a crash or a divergence. */
  private final TrainingLoop.StepHook hook;

  CompareCommand() {
    this((net, step) -> { });
  }

  CompareCommand(TrainingLoop.StepHook hook) {
    this.hook = hook;
  }

  @Override
  public Integer call() throws IOException {
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds = " + seeds + " must be at least 1");
    }
    TrainConfig base = training.resolve();
    FfnSettings settings = ffn.resolve();
    List<Arm> chosen = new ArrayList<>();
    for (String a : arms != null ? arms : "full".equals(training.preset) ? FULL_ARMS : DEFAULT_ARMS) {
      Arm arm = Arm.of(a.strip());
      if (chosen.contains(arm)) {
        throw new IllegalArgumentException("--arms lists " + arm.label() + " twice");
      }
      arm.factory(base, settings).create(0, base.width()); // an arm's bad sizes are refused before any work
      chosen.add(arm);
    }
    List<Long> seedList = new ArrayList<>();
    for (int s = 0; s < seeds; s++) {
      seedList.add(base.seed() + s);
    }
    TrainingLoop.Intervals defaults = TrainingLoop.Intervals.forSteps(base.steps());
    TrainingLoop.Intervals every = new TrainingLoop.Intervals(defaults.log(), defaults.validate(),
        checkpointEvery != null ? checkpointEvery : defaults.checkpoint());

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("preset", training.preset);
    config.put("arms", chosen.stream().map(Arm::label).toList());
    config.put("seeds", seedList);
    config.put("training", base);
    config.put("ffn", settings);
    config.put("intervals", every);
    config.put("text", text == null ? "europarl" : text.toAbsolutePath().toString());
    // every input is validated before anything is written: a refused corpus leaves --out untouched
    Corpus corpus = text == null ? Corpus.europarl(base.maxCorpusBytes()) : Corpus.text(text, base.maxCorpusBytes());
    CorpusSplit split = CorpusSplit.of(corpus);
    split.requireWindows(base.length(), base.batch());
    RunDirectory dir;
    try {
      dir = RunDirectory.open(out, config, resume);
    } catch (IOException e) {
      throw new IllegalArgumentException("--out = " + out + " cannot be written: " + FileErrors.reason(e), e);
    }
    DocumentLanguages testLanguages = DocumentLanguages.detect(split.test());
    ArmRunner.Data data = new ArmRunner.Data(new ByteWindows(split.train(), base.length()),
        new ByteWindows(split.validation(), base.length()).evaluation(base.batch(), base.evalTokens()),
        new ByteWindows(split.test(), base.length()).evaluation(base.batch(), base.evalTokens()),
        new ByteWindows(split.test(), base.length()).crossDocumentPairs(Math.max(2, base.batch()), base.evalTokens()),
        split.test(),
        testLanguages, Math.max((long) base.batch() * base.length(), base.evalTokens() / 8));
    ArmRunner runner = new ArmRunner(System.out, every, hook);

    List<RunResult> runs = new ArrayList<>();
    for (Arm arm : chosen) {
      for (long seed : seedList) {
        TrainConfig c = base.withSeed(seed);
        Optional<RunResult> done = dir.finished(arm, seed);
        RunResult r = done.isPresent() ? done.get() : runner.run(arm, c, settings, data, dir.checkpoints(arm, c, settings));
        if (done.isEmpty() && !RunResult.FAILED.equals(r.status())) {
          dir.save(r); // a failed run (an error, not a divergence) is not kept as finished: --resume retries it
        }
        if (!r.ok()) {
          spec.commandLine().getErr().println("np-eval: " + r.error());
        }
        runs.add(r);
      }
    }
    long continuing = System.nanoTime();
    Continuations continuations = TestPromptContinuations.of(dir, chosen, base, settings, runs, split.test());
    System.out.printf("continuations: each arm's seed-%d model continued %d test prompts (%.0f s)%n", base.seed(),
        continuations.prompts().size(), (System.nanoTime() - continuing) / 1e9);
    Map<String, SplitPart> parts = new LinkedHashMap<>();
    parts.put("train", part(split.train()));
    parts.put("validation", part(split.validation()));
    parts.put("test", part(split.test()));
    CompareResults results = new CompareResults(CompareResults.SCHEMA_VERSION, LocalDate.now().toString(),
        String.join(" ", spec.commandLine().getParseResult().originalArgs()), training.preset, config,
        seedList, new CorpusInfo(corpus.source(), CorpusSplit.RULE, parts, testLanguages.counts()),
        "AdamW built as Adam + WeightDecay(coefficient, applyLR = true) on weight matrices; warm-up then cosine to "
            + "a tenth of the peak; DL4J's per-layer L2 gradient clip (ClipL2PerLayer)",
        DivergenceRule.describe(), StatedAnswer.of(runs), ArmSummaries.of(runs), runs,
        continuations);
    AtomicFiles.replace(out.resolve("results.json"), f -> ResultsJson.mapper().writeValue(f.toFile(), results));
    ResultTables.write(results, out);
    ReportPage.writeReport(out);
    SummaryTable.print(results, System.out);
    System.out.println("results in " + out.resolve("results.json") + ", report in " + out.resolve("report.html"));
    return exitCode(runs, spec.commandLine().getErr());
  }

  /**
   * 0 when every run is ok; 3 when any diverged; 1 when any failed otherwise. The last line names the runs that
   * are not ok, so a script or a reader of the tail of a log sees them.
   */
  static int exitCode(List<RunResult> runs, java.io.PrintWriter err) {
    List<String> diverged = runs.stream().filter(r -> RunResult.DIVERGED.equals(r.status()))
        .map(r -> r.arm() + "/seed " + r.seed() + " (step " + r.divergedAt() + ")").toList();
    List<String> failed = runs.stream().filter(r -> RunResult.FAILED.equals(r.status()))
        .map(r -> r.arm() + "/seed " + r.seed()).toList();
    if (diverged.isEmpty() && failed.isEmpty()) {
      return 0;
    }
    StringBuilder line = new StringBuilder("np-eval: ");
    if (!diverged.isEmpty()) {
      line.append(diverged.size()).append(" run(s) diverged: ").append(String.join(", ", diverged));
    }
    if (!failed.isEmpty()) {
      line.append(diverged.isEmpty() ? "" : "; ").append(failed.size()).append(" run(s) failed: ")
          .append(String.join(", ", failed));
    }
    err.println(line);
    err.flush();
    return diverged.isEmpty() ? 1 : 3;
  }

  private static SplitPart part(List<byte[]> docs) {
    return new SplitPart(docs.size(), docs.stream().mapToLong(d -> d.length).sum());
  }
}
