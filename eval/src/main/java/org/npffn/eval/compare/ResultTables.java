package org.npffn.eval.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.npffn.eval.io.CsvTable;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.ArmSummary;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.LayerResult.TrainingUsage;
import org.npffn.eval.results.PairedDifference;
import org.npffn.eval.results.RunResult;

/** One CSV per metric beside results.json (columns in docs/report.md). */
public final class ResultTables {
  private ResultTables() {}

  public static void write(CompareResults results, Path dir) throws IOException {
    CsvTable summary = new CsvTable("arm", "runs", "failed", "diverged", "parameters", "active_parameters", "ffn_flops_per_token",
        "test_perplexity", "test_perplexity_low", "test_perplexity_high", "validation_perplexity",
        "test_bits_per_byte", "tokens_per_second");
    for (ArmSummary a : results.summary()) {
      summary.row(a.arm(), a.runs(), a.failed(), a.diverged(), a.parameters(), a.activeParameters(), a.ffnFlopsPerToken(),
          a.testPerplexity().mean(), a.testPerplexity().low(), a.testPerplexity().high(),
          a.validationPerplexity().mean(), a.testBitsPerByte().mean(), a.tokensPerSecond().mean());
    }
    CsvTable answer = new CsvTable("question", "arm", "reference", "seeds", "n", "reference_bits_per_byte",
        "difference_bits_per_byte", "difference_bits_per_byte_low", "difference_bits_per_byte_high",
        "difference_percent", "difference_percent_low", "difference_percent_high", "excludes_zero", "sentence");
    for (PairedDifference p : results.answer()) {
      Interval bpb = p.differenceBitsPerByte();
      Interval pct = p.differencePercent();
      answer.row(p.question(), p.arm(), p.reference(), p.seeds().stream().map(String::valueOf)
          .collect(Collectors.joining(" ")), bpb.n(), p.referenceBitsPerByte(), bpb.mean(), bpb.low(), bpb.high(),
          pct.mean(), pct.low(), pct.high(), p.excludesZero(), p.sentence());
    }
    CsvTable perplexity = new CsvTable("arm", "seed", "status", "validation_perplexity", "test_perplexity",
        "test_bits_per_byte", "parameters", "active_parameters", "ffn_flops_per_token", "tokens_per_second",
        "seconds", "peak_memory_bytes", "shuffled_context_loss_increase");
    CsvTable curve = new CsvTable("arm", "seed", "step", "tokens", "train_loss_nats", "learning_rate");
    CsvTable validation = new CsvTable("arm", "seed", "step", "validation_nats");
    CsvTable position = new CsvTable("arm", "seed", "position", "test_nats");
    CsvTable topK = new CsvTable("arm", "seed", "k", "renormalised", "test_perplexity");
    CsvTable balance = new CsvTable("arm", "seed", "layer", "kind", "cv", "maxvio_global", "maxvio_per_batch",
        "normalised_entropy", "busiest_10pct_share", "dropped_fraction", "effective_units", "similarity",
        "language_mi_bits", "router_z", "effective_groups", "specialisation", "dead_groups", "context_reliance",
        "relu_sparsity", "active_experts", "relu_lambda", "relu_shift");
    CsvTable training = new CsvTable("arm", "seed", "layer", "step", "maxvio", "cv", "relu_sparsity",
        "active_experts", "relu_lambda", "relu_shift");
    CsvTable load = new CsvTable("arm", "seed", "layer", "step", "unit", "load_fraction");
    CsvTable language = new CsvTable("arm", "seed", "layer", "language", "unit", "share");
    for (RunResult r : results.runs()) {
      perplexity.row(r.arm(), r.seed(), r.status(), r.validation() == null ? null : r.validation().perplexity(),
          r.test() == null ? null : r.test().perplexity(), r.test() == null ? null : r.test().bitsPerByte(),
          r.parameters(), r.activeParameters(), r.ffnFlopsPerToken(), r.tokensPerSecond(), r.seconds(),
          r.peakMemoryBytes(), r.shuffledContextLossIncrease());
      r.trainingCurve().forEach(p -> curve.row(r.arm(), r.seed(), p.step(), p.tokens(), p.loss(), p.learningRate()));
      r.validationCurve().forEach(p -> validation.row(r.arm(), r.seed(), p.step(), p.nats()));
      for (int t = 0; t < r.lossByPosition().length; t++) {
        position.row(r.arm(), r.seed(), t, r.lossByPosition()[t]);
      }
      r.topK().forEach(k -> topK.row(r.arm(), r.seed(), k.k(), k.renormalised(), k.testPerplexity()));
      for (LayerResult l : r.layers()) {
        LayerResult.Usage u = l.test();
        if (u != null) {
          Map<String, Double> s = u.scalars();
          balance.row(r.arm(), r.seed(), l.layer(), l.kind(), u.cv(), u.maxVioGlobal(), u.maxVioPerBatch(),
              u.normalisedEntropy(), u.busiest10pctShare(), u.droppedFraction(), u.effectiveUnits(), l.similarity(),
              l.languageMutualInformationBits(), s.get("router_z"), s.get("effective_groups"),
              s.get("specialisation"), s.get("dead_groups"), s.get("context_reliance"), s.get("relu_sparsity"),
              s.get("active_experts"), s.get("relu_lambda"), s.get("relu_shift"));
        }
        for (TrainingUsage p : l.training()) {
          training.row(r.arm(), r.seed(), l.layer(), p.step(), p.maxVio(), p.cv(), p.reluSparsity(),
              p.activeExperts(), p.reluLambda(), p.reluShift());
          for (int e = 0; e < p.loadFraction().length; e++) {
            load.row(r.arm(), r.seed(), l.layer(), p.step(), e, p.loadFraction()[e]);
          }
        }
        l.languageUsage().forEach((lang, shares) -> {
          for (int e = 0; e < shares.length; e++) {
            language.row(r.arm(), r.seed(), l.layer(), lang, e, shares[e]);
          }
        });
      }
    }
    summary.writeTo(dir.resolve("summary.csv"));
    answer.writeTo(dir.resolve("answer.csv"));
    perplexity.writeTo(dir.resolve("perplexity.csv"));
    curve.writeTo(dir.resolve("training_curve.csv"));
    validation.writeTo(dir.resolve("validation_curve.csv"));
    position.writeTo(dir.resolve("loss_by_position.csv"));
    topK.writeTo(dir.resolve("np_topk.csv"));
    balance.writeTo(dir.resolve("balance.csv"));
    training.writeTo(dir.resolve("balance_over_training.csv"));
    load.writeTo(dir.resolve("load_over_training.csv"));
    language.writeTo(dir.resolve("language_usage.csv"));
  }

  /** The CSV files this writes, for docs and tests. */
  public static final List<String> FILES = List.of("summary.csv", "answer.csv", "perplexity.csv", "training_curve.csv",
      "validation_curve.csv", "loss_by_position.csv", "np_topk.csv", "balance.csv", "balance_over_training.csv",
      "load_over_training.csv", "language_usage.csv");
}
