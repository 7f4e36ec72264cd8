package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceLayerConf;

/** Small networks and data for the layer tests; shared with the modules whose layers fill the FFN slot. */
public final class TestNets {
  private TestNets() {}

  /** Double precision everywhere, as GradientCheckUtil requires. */
  public static void useDoublePrecision() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  /** The network settings of a gradient check: double, NoOp updater, no dropout. */
  public static NeuralNetConfiguration.Builder gradientCheckBase(long seed) {
    return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE).updater(new NoOp())
        .weightInit(WeightInit.XAVIER).trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
  }

  /** input [B, C, T] or [B, T, C] -> layer -> per-step softmax over {@code classes}. */
  public static ComputationGraph singleLayer(NeuralNetConfiguration.Builder base, SequenceLayerConf layer,
      long width, long length, int classes) {
    RNNFormat f = layer.getDataFormat();
    ComputationGraphConfiguration conf = base.graphBuilder().addInputs("in")
        .addLayer("layer", layer, "in")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .activation(Activation.SOFTMAX).nOut(classes).dataFormat(f).build(), "layer")
        .setOutputs("out").setInputTypes(InputType.recurrent(width, length, f)).build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    return net;
  }

  /** Gaussian input of the given format. */
  public static INDArray randomSequence(Random rng, RNNFormat f, long b, long c, long t) {
    long[] shape = f == RNNFormat.NCW ? new long[] {b, c, t} : new long[] {b, t, c};
    double[] v = new double[(int) (b * c * t)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian();
    }
    return Nd4j.create(v, shape, Nd4j.defaultFloatingPointType());
  }

  /** Random one-hot labels [B, classes, T] (NCW) or [B, T, classes] (NWC). */
  public static INDArray randomLabels(Random rng, RNNFormat f, long b, int classes, long t) {
    INDArray l = f == RNNFormat.NCW ? Nd4j.zeros(b, classes, t) : Nd4j.zeros(b, t, classes);
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int k = rng.nextInt(classes);
        if (f == RNNFormat.NCW) {
          l.putScalar(new long[] {i, k, j}, 1.0);
        } else {
          l.putScalar(new long[] {i, j, k}, 1.0);
        }
      }
    }
    return l;
  }

  /** Right-padded mask [B, T]: sequence b has {@code lengths[b]} real tokens. */
  public static INDArray rightPaddedMask(long t, int... lengths) {
    INDArray m = Nd4j.zeros(lengths.length, t);
    for (int b = 0; b < lengths.length; b++) {
      for (int j = 0; j < lengths[b]; j++) {
        m.putScalar(b, j, 1.0);
      }
    }
    return m;
  }

  /** Left-padded mask [B, T]: sequence b has {@code lengths[b]} real tokens, at its end (a batch of prompts). */
  public static INDArray leftPaddedMask(long t, int... lengths) {
    INDArray m = Nd4j.zeros(lengths.length, t);
    for (int b = 0; b < lengths.length; b++) {
      for (long j = t - lengths[b]; j < t; j++) {
        m.putScalar(b, j, 1.0);
      }
    }
    return m;
  }

  /** Random ids [B, T] in [0, vocab). */
  public static INDArray randomIds(Random rng, long b, long t, int vocab) {
    INDArray ids = Nd4j.zeros(b, t);
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        ids.putScalar(i, j, rng.nextInt(vocab));
      }
    }
    return ids;
  }

  /** Runs DL4J's numerical gradient check with its defaults (eps 1e-6, max rel. error 1e-3, min abs 1e-8). */
  public static boolean gradientsMatch(ComputationGraph net, INDArray input, INDArray labels, INDArray mask,
      int maxPerParam) {
    return gradientsMatch(net, input, labels, mask, maxPerParam, Set.of());
  }

  /**
   * As above, leaving out the given parameters of the layer named "layer" ({@link #singleLayer}): state that no
   * gradient moves (a controller's), whose finite difference would be the loss's slope along it, not a gradient.
   */
  public static boolean gradientsMatch(ComputationGraph net, INDArray input, INDArray labels, INDArray mask,
      int maxPerParam, Set<String> stateParams) {
    Set<String> excluded = new HashSet<>();
    stateParams.forEach(key -> excluded.add("layer_" + key));
    GradientCheckUtil.GraphConfig c = new GradientCheckUtil.GraphConfig().net(net).inputs(new INDArray[] {input})
        .labels(new INDArray[] {labels}).excludeParams(excluded).print(GradientCheckUtil.PrintMode.FAILURES_ONLY);
    if (mask != null) {
      c.inputMask(new INDArray[] {mask}).labelMask(new INDArray[] {mask});
    }
    if (maxPerParam > 0) {
      c.subset(true).maxPerParam(maxPerParam);
    }
    return GradientCheckUtil.checkGradients(c);
  }

  /** Builds something with -Dnpffn.workers = {@code workers} (layers read it when they are created). */
  public static <T> T withWorkers(int workers, Supplier<T> build) {
    String before = System.getProperty("npffn.workers");
    System.setProperty("npffn.workers", Integer.toString(workers));
    try {
      return build.get();
    } finally {
      if (before == null) {
        System.clearProperty("npffn.workers");
      } else {
        System.setProperty("npffn.workers", before);
      }
    }
  }

  /**
   * Runs one training step's forward and backward on both networks (same parameters) and asserts the same
   * "layer" activations, score, parameter gradients and the layer's input gradient to {@code eps}; returns how
   * many blocks of sequences each network's "layer" ran its forward in.
   */
  public static int[] assertSameTrainingStep(ComputationGraph a, ComputationGraph b, INDArray x, INDArray labels,
      INDArray mask, double eps) {
    b.setParams(a.params());
    int[] blocks = new int[2];
    INDArray[] act = new INDArray[2];
    double[] score = new double[2];
    INDArray[] grad = new INDArray[2];
    ComputationGraph[] nets = {a, b};
    for (int i = 0; i < 2; i++) {
      ComputationGraph net = nets[i];
      net.setLayerMaskArrays(mask == null ? null : new INDArray[] {mask}, mask == null ? null : new INDArray[] {mask});
      act[i] = net.feedForward(new INDArray[] {x}, true, false).get("layer").dup();
      net.setInputs(x);
      net.setLabels(labels);
      net.computeGradientAndScore();
      score[i] = net.score();
      grad[i] = net.gradient().gradient().dup();
      blocks[i] = ((SequenceLayer<?>) net.getLayer("layer")).lastForwardBlocks();
      net.clearLayerMaskArrays();
    }
    assertTrue(act[1].equalsWithEps(act[0], eps), "activations differ by " + act[1].sub(act[0]).amaxNumber());
    assertEquals(score[0], score[1], eps, "score");
    assertTrue(grad[1].equalsWithEps(grad[0], eps), "gradients differ by " + grad[1].sub(grad[0]).amaxNumber());
    // the input gradient, which the graph drops for its first layer: the layer's own training step
    INDArray[] dx = new INDArray[2];
    for (int i = 0; i < 2; i++) {
      Layer layer = nets[i].getLayer("layer");
      LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
      layer.setMaskArray(mask);
      layer.setInput(x, mgr);
      INDArray y = layer.activate(true, mgr);
      INDArray dy = gaussianLike(y, 20261201L);
      dx[i] = layer.backpropGradient(dy, mgr).getSecond().dup();
      layer.setMaskArray(null);
    }
    assertTrue(dx[1].equalsWithEps(dx[0], eps), "input gradients differ by " + dx[1].sub(dx[0]).amaxNumber());
    return blocks;
  }

  /** Gaussian values of {@code like}'s shape and type, the same for the same seed. */
  public static INDArray gaussianLike(INDArray like, long seed) {
    Random rng = new Random(seed);
    double[] v = new double[(int) like.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian();
    }
    return Nd4j.create(v, like.shape(), like.dataType());
  }

  /** A length T at which B ≥ 2 sequences make two blocks of at least 512 tokens each (SequenceBlocks). */
  public static int twoBlockLength(int batch) {
    return 520 / (batch / 2) + 1;
  }

  /** Right-padded mask [B, T] with each sequence's length drawn from [1, T]. */
  public static INDArray randomPaddedMask(Random rng, int batch, int t) {
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = 1 + rng.nextInt(t);
    }
    return rightPaddedMask(t, lengths);
  }

  /**
   * Builds {@code net} with one worker and with two, runs one training step of B sequences of length T on both
   * (Gaussian input, random labels, right padding when {@code padded}), asserts that they agree to 1e-12
   * ({@link #assertSameTrainingStep}) and that the two-worker "layer" ran in two blocks; returns both
   * networks, one worker first.
   */
  public static ComputationGraph[] assertBlocksMatchOneWorker(Supplier<ComputationGraph> net, RNNFormat format,
      int batch, long width, int t, boolean padded, long seed, String what) {
    ComputationGraph single = withWorkers(1, net);
    ComputationGraph blocks = withWorkers(2, net);
    Random rng = new Random(seed);
    INDArray x = randomSequence(rng, format, batch, width, t);
    INDArray labels = randomLabels(rng, format, batch, 3, t);
    INDArray mask = padded ? randomPaddedMask(rng, batch, t) : null;
    int[] ran = assertSameTrainingStep(single, blocks, x, labels, mask, 1e-12);
    assertArrayEquals(new int[] {1, 2}, ran, what + ": blocks the forward ran in (one worker, two workers)");
    return new ComputationGraph[] {single, blocks};
  }
}
