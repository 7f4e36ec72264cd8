package org.npffn.stack.decoding;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;

/**
 * How {@link Generator} picks each next token and when it stops: the settings of HF transformers' generate.
 * Immutable; each {@code with} returns a copy. Defaults: sampling at temperature 1 from the whole distribution,
 * 64 new tokens, seed 0, no stop sequence, no sliding window.
 *
 * @param maxNewTokens tokens generated per sequence at most (≥ 1)
 * @param temperature 0 for greedy decoding (argmax, ties to the lower id), else the softmax temperature (> 0)
 * @param topK keep only the k most likely tokens before sampling; 0 keeps all
 * @param topP nucleus sampling: keep the most likely tokens whose probabilities first reach p; 1 keeps all
 * @param seed the seed of the sampling: the same model, prompts and settings give the same tokens
 * @param stopSequences a sequence stops once its generated tokens end with one of these (it is included)
 * @param slidingWindow past the model's maxLength, re-encode the last half of the context and go on, instead of
 *     refusing with an IllegalArgumentException that names the limit
 */
public record Sampling(int maxNewTokens, double temperature, int topK, double topP, long seed,
    List<int[]> stopSequences, boolean slidingWindow) {

  public Sampling {
    Preconditions.checkArgument(maxNewTokens >= 1, "Sampling: maxNewTokens = %s must be at least 1", maxNewTokens);
    Preconditions.checkArgument(temperature >= 0 && Double.isFinite(temperature),
        "Sampling: temperature = %s must be 0 (greedy) or positive", temperature);
    Preconditions.checkArgument(topK >= 0, "Sampling: topK = %s must be 0 (off) or positive", topK);
    Preconditions.checkArgument(topP > 0 && topP <= 1, "Sampling: topP = %s must be in (0, 1]", topP);
    Preconditions.checkNotNull(stopSequences, "stopSequences");
    List<int[]> copies = new ArrayList<>();
    for (int[] s : stopSequences) {
      Preconditions.checkArgument(s != null && s.length > 0, "Sampling: a stop sequence is empty");
      copies.add(s.clone());
    }
    stopSequences = List.copyOf(copies);
  }

  /** Sampling at temperature 1 from the whole distribution, 64 new tokens, seed 0. */
  public static Sampling defaults() {
    return new Sampling(64, 1.0, 0, 1.0, 0, List.of(), false);
  }

  /** Greedy decoding (temperature 0), 64 new tokens. */
  public static Sampling greedy() {
    return defaults().withTemperature(0);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public Sampling withMaxNewTokens(int n) {
    return new Sampling(n, temperature, topK, topP, seed, stopSequences, slidingWindow);
  }

  public Sampling withTemperature(double t) {
    return new Sampling(maxNewTokens, t, topK, topP, seed, stopSequences, slidingWindow);
  }

  public Sampling withTopK(int k) {
    return new Sampling(maxNewTokens, temperature, k, topP, seed, stopSequences, slidingWindow);
  }

  public Sampling withTopP(double p) {
    return new Sampling(maxNewTokens, temperature, topK, p, seed, stopSequences, slidingWindow);
  }

  public Sampling withSeed(long s) {
    return new Sampling(maxNewTokens, temperature, topK, topP, s, stopSequences, slidingWindow);
  }

  public Sampling withStopSequences(List<int[]> stops) {
    return new Sampling(maxNewTokens, temperature, topK, topP, seed, stops, slidingWindow);
  }

  public Sampling withSlidingWindow(boolean on) {
    return new Sampling(maxNewTokens, temperature, topK, topP, seed, stopSequences, on);
  }
}
