package org.npffn.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One FFN slot of a trained network (docs/report.md, "layers").
 *
 * @param layer the layer's name in the graph
 * @param block its block index
 * @param kind "dense", "moe" or "np"
 * @param units experts (moe) or groups (np); 1 for dense
 * @param test balance over the test set; null for dense
 * @param training balance of one training batch per logging interval
 * @param similarity mean pairwise cosine similarity of the units' outputs on the same test tokens
 * @param languageUsage per detected language: each unit's share of that language's token-slots (moe) or gate
 *     mass (np)
 * @param languageMutualInformationBits I(language; unit) in bits
 */
public record LayerResult(String layer, int block, String kind, int units, Usage test, List<TrainingUsage> training,
    Double similarity, Map<String, double[]> languageUsage, Double languageMutualInformationBits) {

  public static final String MOE = "moe";
  public static final String NP = "np";

  /**
   * Balance statistics over an evaluation pass (definitions in docs/eval.md). For an NP layer the "load" is
   * the summed gate weight α: soft usage, not a hard load, so the report reads it through
   * {@link #softUsageExcess()} and {@link #softUsageCv()} and never as MaxVio.
   */
  public record Usage(long tokens, double[] load, double[] loadFraction, double[] meanGate, double cv,
      double maxVioGlobal, double maxVioPerBatch, double normalisedEntropy, @JsonProperty("busiest_10pct_share") double busiest10pctShare,
      double droppedFraction, double effectiveUnits, Map<String, Double> scalars) {

    /** Soft usage: max_m ᾱ_m / mean_m ᾱ_m − 1 over the mean gate weights ᾱ; 0 when every unit is used alike. */
    public double softUsageExcess() {
      double mean = Arrays.stream(meanGate).average().orElse(Double.NaN);
      return Arrays.stream(meanGate).max().orElse(Double.NaN) / mean - 1;
    }

    /** Soft usage: population std / mean of the mean gate weights ᾱ. */
    public double softUsageCv() {
      double mean = Arrays.stream(meanGate).average().orElse(Double.NaN);
      double var = Arrays.stream(meanGate).map(g -> (g - mean) * (g - mean)).average().orElse(Double.NaN);
      return Math.sqrt(var) / mean;
    }
  }

  /**
   * Balance of the training batch at {@code step}; for an MoE layer with ReLU routing (moe-relu) also its
   * realised sparsity, mean active experts per token, λ and the logit shift b (docs/moe.md), null (left
   * out of the JSON) otherwise.
   */
  public record TrainingUsage(int step, double[] loadFraction, double maxVio, double cv,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double reluSparsity,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double activeExperts,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double reluLambda,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double reluShift) {

    /** A layer without ReLU routing. */
    public TrainingUsage(int step, double[] loadFraction, double maxVio, double cv) {
      this(step, loadFraction, maxVio, cv, null, null, null, null);
    }
  }
}
