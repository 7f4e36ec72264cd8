package org.npffn.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.npffn.eval.compare.Arm;
import org.npffn.eval.compare.ArmResult;
import org.npffn.eval.compare.ArmRunner;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusSplit;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code np-eval compare}: trains the same stack with each FFN kind on the same data, budget and seeds, and
 * writes results.json plus CSVs. A first version of the harness: no checkpoints, HTML report or language
 * statistics yet.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = "Train dense, MoE and NP arms on the same data and budget; report perplexity and balance.")
final class CompareCommand implements Callable<Integer> {
  @Option(names = "--preset", defaultValue = "default", description = "smoke | default (default: ${DEFAULT-VALUE})")
  String preset;

  @Option(names = "--arms", split = ",", defaultValue = "dense,moe-aux,moe-lossfree,np",
      description = "arms to run (default: ${DEFAULT-VALUE})")
  List<String> arms;

  @Option(names = "--seeds", defaultValue = "1", description = "seeds per arm (default: ${DEFAULT-VALUE})")
  int seeds;

  @Option(names = "--bias-rate", defaultValue = "0.01",
      description = "γ of the loss-free arm (default: ${DEFAULT-VALUE}; the papers' 1e-3 suits long runs)")
  double biasRate;

  @Option(names = "--text", description = "UTF-8 text file or directory instead of Europarl")
  Path text;

  @Option(names = "--out", defaultValue = "runs/compare", description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--steps", description = "optimizer steps per arm") Integer steps;

  @Override
  public Integer call() throws IOException {
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds = " + seeds + " must be at least 1");
    }
    List<Arm> chosen = new ArrayList<>();
    for (String a : arms) {
      chosen.add(Arm.of(a.strip()));
    }
    TrainConfig p = TrainConfig.preset(preset);
    TrainConfig base = steps == null ? p : new TrainConfig(p.width(), p.blocks(), p.heads(), p.hidden(), p.length(),
        p.batch(), steps, p.learningRate(), Math.min(p.warmup(), steps - 1), p.weightDecay(), p.clip(), p.seed(),
        p.maxCorpusBytes(), p.evalTokens());
    Corpus corpus = text == null ? Corpus.europarl(base.maxCorpusBytes()) : Corpus.text(text, base.maxCorpusBytes());
    CorpusSplit split = CorpusSplit.of(corpus);
    ByteWindows train = new ByteWindows(split.train(), base.length());
    List<TokenBatch> validation = new ByteWindows(split.validation(), base.length()).evaluation(base.batch(),
        base.evalTokens());
    List<TokenBatch> test = new ByteWindows(split.test(), base.length()).evaluation(base.batch(), base.evalTokens());
    ArmRunner runner = new ArmRunner(new LanguageModelTrainer(System.out));

    List<ArmResult> results = new ArrayList<>();
    for (Arm arm : chosen) {
      for (int s = 0; s < seeds; s++) {
        TrainConfig c = withSeed(base, base.seed() + s);
        results.add(runner.run(arm, c, biasRate, train, validation, test));
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("date", LocalDate.now().toString());
    doc.put("corpus", corpus.source());
    doc.put("split", CorpusSplit.RULE);
    doc.put("config", base);
    doc.put("seeds", seeds);
    doc.put("loss_free_bias_rate", biasRate);
    doc.put("optimizer", "AdamW as Adam + WeightDecay(applyLR=true), warm-up + cosine, per-layer L2 clip");
    doc.put("arms", results);
    AtomicFiles.writeJson(out.resolve("results.json"), doc);
    writeCsv(results);
    printSummary(results);
    System.out.println("results in " + out.resolve("results.json"));
    return 0;
  }

  private static TrainConfig withSeed(TrainConfig c, long seed) {
    return new TrainConfig(c.width(), c.blocks(), c.heads(), c.hidden(), c.length(), c.batch(), c.steps(),
        c.learningRate(), c.warmup(), c.weightDecay(), c.clip(), seed, c.maxCorpusBytes(), c.evalTokens());
  }

  private void writeCsv(List<ArmResult> results) throws IOException {
    StringBuilder ppl = new StringBuilder("arm,seed,validation_perplexity,test_perplexity,test_bits_per_byte,"
        + "parameters,active_parameters,ffn_flops_per_token,tokens_per_second\n");
    StringBuilder balance = new StringBuilder("arm,seed,layer,cv,maxvio_global,maxvio_per_batch,"
        + "normalised_entropy,busiest_10pct_share,dropped_fraction,effective_units\n");
    StringBuilder topK = new StringBuilder("arm,seed,k,test_perplexity\n");
    for (ArmResult r : results) {
      ppl.append(String.format("%s,%d,%.6f,%.6f,%.6f,%d,%d,%d,%.1f%n", r.arm(), r.seed(), r.validationPerplexity(),
          r.testPerplexity(), r.testBitsPerByte(), r.parameters(), r.activeParameters(), r.ffnFlopsPerToken(),
          r.tokensPerSecond()));
      r.usage().forEach((layer, u) -> balance.append(String.format("%s,%d,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n",
          r.arm(), r.seed(), layer, u.cv(), u.maxVioGlobal(), u.maxVioPerBatch(), u.normalisedEntropy(),
          u.busiest10Share(), u.droppedFraction(), u.effectiveUnits())));
      r.topKPerplexity().forEach((k, v) -> topK.append(String.format("%s,%d,%d,%.6f%n", r.arm(), r.seed(), k, v)));
    }
    AtomicFiles.replace(out.resolve("perplexity.csv"), f -> java.nio.file.Files.writeString(f, ppl));
    AtomicFiles.replace(out.resolve("balance.csv"), f -> java.nio.file.Files.writeString(f, balance));
    AtomicFiles.replace(out.resolve("np_topk.csv"), f -> java.nio.file.Files.writeString(f, topK));
  }

  private static void printSummary(List<ArmResult> results) {
    System.out.printf("%n%-14s %5s %10s %10s %9s %12s %12s %14s %9s%n", "arm", "seed", "val ppl", "test ppl",
        "test bpb", "params", "active", "FFN FLOPs/tok", "max MaxVio");
    for (ArmResult r : results) {
      double maxVio = r.usage().values().stream().mapToDouble(ArmResult.LayerUsage::maxVioGlobal).max()
          .orElse(Double.NaN);
      System.out.printf("%-14s %5d %10.3f %10.3f %9.4f %,12d %,12d %,14d %9s%n", r.arm(), r.seed(),
          r.validationPerplexity(), r.testPerplexity(), r.testBitsPerByte(), r.parameters(), r.activeParameters(),
          r.ffnFlopsPerToken(), Double.isNaN(maxVio) ? "-" : String.format("%.3f", maxVio));
    }
    if (results.stream().map(ArmResult::seed).distinct().count() < 3) {
      System.out.println("(fewer than 3 seeds: single runs, no intervals)");
    }
  }
}
