package org.npffn.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The whole of a compare run: results.json (schema in docs/report.md).
 *
 * @param schemaVersion the layout's version
 * @param date ISO date of the run
 * @param command the arguments as given
 * @param preset the preset the config started from
 * @param config the whole resolved configuration
 * @param seeds the seeds every arm ran with
 * @param corpus the text and its split
 * @param optimizer how the optimizer is built
 * @param divergenceRule when a run counts as diverged, in words
 * @param answer the paired comparisons the report opens with ({@link StatedAnswer})
 * @param summary one row per arm, over its seeds
 * @param runs one per (arm, seed)
 * @param continuations optional: each arm's continuations of fixed test prompts; null (and left out of the
 *     file) in results written before they existed, which schema version 2 still reads
 */
public record CompareResults(int schemaVersion, String date, String command, String preset, Object config,
    List<Long> seeds, CorpusInfo corpus, String optimizer, String divergenceRule, List<PairedDifference> answer,
    List<ArmSummary> summary, List<RunResult> runs,
    @JsonInclude(JsonInclude.Include.NON_NULL) Continuations continuations) {

  /** Results without continuations. */
  public CompareResults(int schemaVersion, String date, String command, String preset, Object config,
      List<Long> seeds, CorpusInfo corpus, String optimizer, String divergenceRule, List<PairedDifference> answer,
      List<ArmSummary> summary, List<RunResult> runs) {
    this(schemaVersion, date, command, preset, config, seeds, corpus, optimizer, divergenceRule, answer, summary,
        runs, null);
  }

  /** 2: runs may be "diverged" (diverged_at), summary rows count them, and "answer" and "divergence_rule". */
  public static final int SCHEMA_VERSION = 2;

  /** Where the text came from and how it was split; detected languages of the test documents. */
  public record CorpusInfo(String source, String splitRule, Map<String, SplitPart> split,
      Map<String, Integer> testLanguages) {}

  /** One part of the split. */
  public record SplitPart(int documents, long bytes) {}

  /**
   * One arm over its seeds: means with 95% intervals over the successful runs; {@code failed} counts every run
   * that is not ok, {@code diverged} those of them that diverged.
   */
  public record ArmSummary(String arm, int runs, int failed, int diverged, long parameters, long activeParameters,
      long ffnFlopsPerToken, Interval validationPerplexity, Interval testPerplexity, Interval testBitsPerByte,
      Interval tokensPerSecond) {}
}
