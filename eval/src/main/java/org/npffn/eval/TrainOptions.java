package org.npffn.eval;

import org.npffn.eval.train.TrainConfig;
import picocli.CommandLine.Option;

/** The stack and training knobs, shared by train and compare: a preset, then any override. */
final class TrainOptions {
  @Option(names = "--preset", defaultValue = "default",
      description = "smoke | default | long | full (default: ${DEFAULT-VALUE})")
  String preset;

  @Option(names = "--init", description = "how weights start: normal-0.02 | gpt2 | fan-in")
  String init;

  @Option(names = "--steps", description = "optimizer steps") Integer steps;
  @Option(names = "--batch", description = "B, sequences per step") Integer batch;
  @Option(names = "--length", description = "T, sequence length") Integer length;
  @Option(names = "--width", description = "d, residual width") Integer width;
  @Option(names = "--blocks", description = "L, transformer blocks") Integer blocks;
  @Option(names = "--heads", description = "attention heads") Integer heads;
  @Option(names = "--hidden", description = "h, the dense FFN's hidden width (the arms match it)") Integer hidden;
  @Option(names = "--lr", description = "peak learning rate") Double lr;
  @Option(names = "--warmup", description = "warm-up steps (shrunk to steps − 1 when --steps is fewer)") Integer warmup;
  @Option(names = "--weight-decay", description = "decoupled weight decay (AdamW)") Double weightDecay;
  @Option(names = "--clip", description = "per-layer gradient L2 clip") Double clip;
  @Option(names = "--seed", description = "random seed (compare: the first seed)") Long seed;
  @Option(names = "--max-bytes", description = "bytes of corpus to load") Long maxBytes;
  @Option(names = "--eval-tokens", description = "held-out tokens per split") Long evalTokens;

  /** The preset with every given override applied; the warm-up shrinks to fit fewer steps. */
  TrainConfig resolve() {
    TrainConfig p = TrainConfig.preset(preset);
    int s = or(steps, p.steps());
    int w = warmup != null ? warmup : Math.min(p.warmup(), s - 1);
    return new TrainConfig(or(width, p.width()), or(blocks, p.blocks()), or(heads, p.heads()),
        or(hidden, p.hidden()), or(length, p.length()), or(batch, p.batch()), s, or(lr, p.learningRate()), w,
        or(weightDecay, p.weightDecay()), or(clip, p.clip()), or(seed, p.seed()), or(maxBytes, p.maxCorpusBytes()),
        or(evalTokens, p.evalTokens()), or(init, p.init()));
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
