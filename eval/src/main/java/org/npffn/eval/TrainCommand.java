package org.npffn.eval;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusSplit;
import org.npffn.eval.io.OutputDirectory;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code np-eval train}: trains the dense transformer LM, reports held-out loss and bits per byte, saves it. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train the dense transformer LM on the embedded Europarl corpus (or --text) and save it.")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  TrainOptions options;

  @Option(names = "--text", description = "UTF-8 text file or directory, one document per line (default: the "
      + "embedded Europarl text)")
  Path text;

  @Option(names = "--out", defaultValue = "runs/train", description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws Exception {
    TrainConfig c = options.resolve();
    Corpus corpus = text == null ? Corpus.europarl(c.maxCorpusBytes()) : Corpus.text(text, c.maxCorpusBytes());
    CorpusSplit.of(corpus).requireWindows(c.length(), c.batch());
    OutputDirectory.require(out);
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
}
