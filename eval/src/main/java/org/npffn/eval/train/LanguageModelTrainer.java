package org.npffn.eval.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusSplit;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.stack.InitScheme;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnFactory;

/**
 * Trains a byte-level transformer LM with a dense FFN on a corpus and measures it on held-out documents.
 *
 * <p>Optimizer: "AdamW" built the way DL4J 1.0.0-M2.1 can: Adam plus WeightDecay(coefficient, applyLR = true),
 * the decoupled form of Loshchilov and Hutter 2019, on weight matrices only. Warm-up + cosine learning rate.
 * Gradient clipping is DL4J's per-layer L2 clip (ClipL2PerLayer), not a global-norm clip.
 */
public final class LanguageModelTrainer {
  private final PrintStream log;

  public LanguageModelTrainer(PrintStream log) {
    this.log = log;
  }

  /** The dense network for {@code c}. */
  public static ComputationGraph network(TrainConfig c) {
    return network(c, (block, d) -> new DenseFfn.Builder().hidden(c.hidden()).build());
  }

  /**
   * The network for {@code c} with the FFN kind of {@code ffn}: float32, weights drawn N(0, 0.02) as GPT-2's,
   * then rewritten by c's {@link InitScheme}.
   */
  public static ComputationGraph network(TrainConfig c, FfnFactory ffn) {
    NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(c.seed())
        .dataType(DataType.FLOAT)
        .updater(new Adam(c.schedule()))
        .weightDecay(c.weightDecay(), true)
        .gradientNormalization(GradientNormalization.ClipL2PerLayer)
        .gradientNormalizationThreshold(c.clip())
        .weightInit(new NormalDistribution(0, 0.02))
        .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED);
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(ByteWindows.VOCAB)
        .width(c.width()).blocks(c.blocks()).heads(c.heads()).maxLength(c.length())
        .ffn(ffn).base(base).build());
    net.init();
    c.initScheme().apply(net, c.blocks(), c.seed());
    return net;
  }

  /**
   * Trains on {@code corpus}, evaluates, and saves the model to {@code out}/model.zip (atomically: a
   * half-written file never replaces a good one).
   */
  public TrainResult train(TrainConfig c, Corpus corpus, Path out) throws IOException {
    CorpusSplit split = CorpusSplit.of(corpus);
    ByteWindows train = new ByteWindows(split.train(), c.length());
    List<TokenBatch> validation = new ByteWindows(split.validation(), c.length()).evaluation(c.batch(),
        c.evalTokens());
    ByteWindows testWindows = new ByteWindows(split.test(), c.length());
    List<TokenBatch> test = testWindows.evaluation(c.batch(), c.evalTokens());
    long trainBytes = split.train().stream().mapToLong(d -> d.length).sum();
    ComputationGraph net = network(c);
    log.printf("Training a %d-block, d = %d transformer (%,d parameters) on %,d bytes of %s%n", c.blocks(),
        c.width(), net.numParams(), trainBytes, corpus.source());

    long start = System.nanoTime();
    double tokensPerSecond = fit(net, c, train, "train");
    double seconds = (System.nanoTime() - start) / 1e9;
    HeldOutLoss val = HeldOutLoss.of(net, validation);
    HeldOutLoss tst = HeldOutLoss.of(net, test);
    Path model = save(net, out);
    return new TrainResult(c, corpus.source(), CorpusSplit.RULE, trainBytes, net.numParams(), val, tst,
        testWindows.unigramEntropyBits(), tokensPerSecond, seconds, model.toString());
  }

  /**
   * Trains {@code net} for c.steps() steps on random windows of {@code train} (batch s seeded by c.seed() and
   * s, so every arm with the same seed sees the same batches) and returns the tokens per second.
   *
   * @throws IllegalStateException when the run diverges ({@link DivergenceRule})
   */
  public double fit(ComputationGraph net, TrainConfig c, ByteWindows train, String label) {
    TrainingLoop.Outcome o = new TrainingLoop(log, TrainingLoop.Intervals.forSteps(c.steps()))
        .run(net, c, train, label, TrainingState.start(), null, List.of(), List.of(), (n, s) -> { });
    if (o.divergence() != null) {
      throw new IllegalStateException(label + " diverged: " + o.divergence());
    }
    return o.tokensPerSecond();
  }

  /** Writes model.zip atomically. */
  static Path save(ComputationGraph net, Path dir) throws IOException {
    return AtomicFiles.replace(dir.resolve("model.zip"), f -> ModelSerializer.writeModel(net, f.toFile(), true));
  }
}
