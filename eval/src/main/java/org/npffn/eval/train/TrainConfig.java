package org.npffn.eval.train;

import com.google.common.base.Preconditions;
import org.npffn.stack.InitScheme;
import org.npffn.stack.schedule.WarmupCosineSchedule;

/**
 * Everything that defines one training run of a byte-level transformer LM with a dense FFN.
 *
 * @param width d, the residual width
 * @param blocks L, transformer blocks
 * @param heads nh, attention heads
 * @param hidden h, the dense FFN's hidden width
 * @param length T, the window length
 * @param batch B, windows per step
 * @param steps optimizer steps
 * @param learningRate peak learning rate of the warm-up + cosine schedule
 * @param warmup warm-up steps
 * @param weightDecay decoupled weight decay coefficient (matrices only)
 * @param clip per-layer L2 gradient-norm clip
 * @param seed seeds the weights and the window sampling
 * @param maxCorpusBytes how much of the corpus to load
 * @param evalTokens held-out tokens to evaluate on (validation and test each)
 * @param init how the weights start, an {@link InitScheme} label (normal-0.02, gpt2, fan-in)
 */
public record TrainConfig(int width, int blocks, int heads, int hidden, int length, int batch, int steps,
    double learningRate, int warmup, double weightDecay, double clip, long seed, long maxCorpusBytes,
    long evalTokens, String init) {

  public TrainConfig {
    Preconditions.checkArgument(width > 0, "width = %s must be positive", width);
    Preconditions.checkArgument(blocks > 0, "blocks = %s must be positive", blocks);
    Preconditions.checkArgument(heads > 0 && width % heads == 0, "heads = %s must divide width = %s", heads,
        width);
    Preconditions.checkArgument(hidden > 0, "hidden = %s must be positive", hidden);
    Preconditions.checkArgument(length > 0, "length = %s must be positive", length);
    Preconditions.checkArgument(batch > 0, "batch = %s must be positive", batch);
    Preconditions.checkArgument(steps > 0, "steps = %s must be positive", steps);
    Preconditions.checkArgument(learningRate > 0, "learningRate = %s must be positive", learningRate);
    Preconditions.checkArgument(warmup >= 0 && warmup < steps, "warmup = %s must be in [0, steps = %s)", warmup,
        steps);
    Preconditions.checkArgument(weightDecay >= 0, "weightDecay = %s must be non-negative", weightDecay);
    Preconditions.checkArgument(clip > 0, "clip = %s must be positive", clip);
    Preconditions.checkArgument(maxCorpusBytes > 0, "maxCorpusBytes = %s must be positive", maxCorpusBytes);
    Preconditions.checkArgument(evalTokens > 0, "evalTokens = %s must be positive", evalTokens);
    Preconditions.checkArgument(init != null, "init must be given");
    init = InitScheme.of(init).label();
  }

  /** The same run with another seed. */
  public TrainConfig withSeed(long newSeed) {
    return new TrainConfig(width, blocks, heads, hidden, length, batch, steps, learningRate, warmup, weightDecay,
        clip, newSeed, maxCorpusBytes, evalTokens, init);
  }

  /** The learning-rate schedule: warm-up to the learning rate, cosine down to a tenth of it. */
  public WarmupCosineSchedule schedule() {
    return new WarmupCosineSchedule(learningRate, learningRate / 10, warmup, steps);
  }

  /** The scheme {@link #init} names. */
  public InitScheme initScheme() {
    return InitScheme.of(init);
  }

  /**
   * Presets: "smoke" (seconds, for tests and CI), "default" (the README's main job: its arms with three seeds;
   * its four arms fit within 30 minutes on 2 cores), "long" (the same model trained twice as long, the docs' earlier
   * tables) and "full" (a wider, deeper model on all of Europarl for longer: hours on 2 cores).
   */
  public static TrainConfig preset(String name) {
    return switch (name) {
      case "smoke" -> new TrainConfig(32, 1, 2, 128, 32, 16, 60, 3e-3, 10, 0.01, 1.0, 1, 400_000, 8_192,
          NORMAL);
      // d = 128, L = 2, h = 4d: 478,976 parameters; 450 steps of 16 x 128 bytes = 0.9M training bytes, so
      // twelve runs (four arms, three seeds) fit in 30 minutes on 2 cores (docs/eval.md)
      case "default" -> new TrainConfig(128, 2, 4, 512, 128, 16, 450, 2e-3, 50, 0.01, 1.0, 1, 8_000_000,
          65_536, NORMAL);
      case "long" -> new TrainConfig(128, 2, 4, 512, 128, 16, 900, 2e-3, 100, 0.01, 1.0, 1, 8_000_000,
          65_536, NORMAL);
      case "full" -> new TrainConfig(192, 4, 6, 768, 128, 32, 4000, 1.5e-3, 200, 0.01, 1.0, 1, 32_000_000,
          262_144, NORMAL);
      default -> throw new IllegalArgumentException("preset = " + name
          + " is not one of smoke, default, long, full");
    };
  }

  private static final String NORMAL = InitScheme.NORMAL_002.label();
}
