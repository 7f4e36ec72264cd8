package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusSplit;
import org.npffn.eval.train.HeldOutLoss;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.TrainResult;

/** A real LM learns real text: a short run on 400 KB of Europarl beats the text's unigram entropy. */
class TrainingOnEuroparlTest {
  @TempDir
  Path dir;

  @Test
  void heldOutLossEndsBelowTheUnigramEntropyAndTheSavedModelRestores() throws IOException {
    TrainConfig c = TrainConfig.preset("smoke");
    Corpus corpus = Corpus.europarl(c.maxCorpusBytes());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainResult r = new LanguageModelTrainer(new PrintStream(log, true)).train(c, corpus, dir);

    assertTrue(r.test().bitsPerByte() < r.testUnigramBits(), "held-out " + r.test().bitsPerByte()
        + " bits/byte is not below the unigram entropy " + r.testUnigramBits());
    assertTrue(r.validation().bitsPerByte() < r.testUnigramBits(), "validation " + r.validation().bitsPerByte());
    assertTrue(log.toString().contains("step " + c.steps() + "/" + c.steps()), "progress lines expected");

    ComputationGraph restored = ModelSerializer.restoreComputationGraph(dir.resolve("model.zip").toFile(), true);
    HeldOutLoss again = HeldOutLoss.of(restored, new ByteWindows(CorpusSplit.of(corpus).test(), c.length())
        .evaluation(c.batch(), c.evalTokens()));
    assertEquals(r.test().nats(), again.nats(), 1e-6);
  }
}
