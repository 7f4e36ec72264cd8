package org.npffn.eval;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code np-eval train}: trains the dense transformer LM, reports held-out loss and bits per byte, saves it. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train the dense transformer LM on the embedded Europarl corpus (or --text) and save it.")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--preset", defaultValue = "default", description = "smoke | default (default: ${DEFAULT-VALUE})")
  String preset;

  @Option(names = "--text", description = "UTF-8 text file or directory, one document per line, instead of Europarl")
  Path text;

  @Option(names = "--out", defaultValue = "runs/train", description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--steps", description = "optimizer steps") Integer steps;
  @Option(names = "--batch", description = "B, sequences per step") Integer batch;
  @Option(names = "--length", description = "T, sequence length") Integer length;
  @Option(names = "--width", description = "d, residual width") Integer width;
  @Option(names = "--blocks", description = "L, transformer blocks") Integer blocks;
  @Option(names = "--heads", description = "attention heads") Integer heads;
  @Option(names = "--hidden", description = "h, dense FFN hidden width") Integer hidden;
  @Option(names = "--lr", description = "peak learning rate") Double lr;
  @Option(names = "--warmup", description = "warm-up steps") Integer warmup;
  @Option(names = "--weight-decay", description = "decoupled weight decay") Double weightDecay;
  @Option(names = "--clip", description = "per-layer gradient L2 clip") Double clip;
  @Option(names = "--seed", description = "random seed") Long seed;
  @Option(names = "--max-bytes", description = "bytes of corpus to load") Long maxBytes;
  @Option(names = "--eval-tokens", description = "held-out tokens per split") Long evalTokens;

  @Override
  public Integer call() throws Exception {
    TrainConfig p = TrainConfig.preset(preset);
    TrainConfig c = new TrainConfig(or(width, p.width()), or(blocks, p.blocks()), or(heads, p.heads()),
        or(hidden, p.hidden()), or(length, p.length()), or(batch, p.batch()), or(steps, p.steps()),
        or(lr, p.learningRate()), or(warmup, p.warmup()), or(weightDecay, p.weightDecay()), or(clip, p.clip()),
        or(seed, p.seed()), or(maxBytes, p.maxCorpusBytes()), or(evalTokens, p.evalTokens()));
    Corpus corpus = text == null ? Corpus.europarl(c.maxCorpusBytes()) : Corpus.text(text, c.maxCorpusBytes());
    TrainResult r = new LanguageModelTrainer(System.out).train(c, corpus, out);
    AtomicFiles.writeJson(out.resolve("train.json"), r);
    System.out.printf("%nheld-out (validation): loss %.4f nats/byte, %.4f bits/byte, perplexity %.3f (%,d bytes)%n",
        r.validation().nats(), r.validation().bitsPerByte(), r.validation().perplexity(), r.validation().tokens());
    System.out.printf("held-out (test):       loss %.4f nats/byte, %.4f bits/byte, perplexity %.3f (%,d bytes)%n",
        r.test().nats(), r.test().bitsPerByte(), r.test().perplexity(), r.test().tokens());
    System.out.printf("unigram entropy of the test text: %.4f bits/byte%n", r.testUnigramBits());
    System.out.printf("%,.0f tokens/s over %.0f s; model saved to %s; metrics in %s%n", r.tokensPerSecond(),
        r.seconds(), r.model(), out.resolve("train.json"));
    return 0;
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
