package org.npffn.stack.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.npffn.stack.contract.ContractNets.allFinite;
import static org.npffn.stack.contract.ContractNets.at;
import static org.npffn.stack.contract.ContractNets.layerOutput;
import static org.npffn.stack.contract.ContractNets.maxAbs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import org.npffn.stack.decoding.IncrementalDecoder;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;

/**
 * The FFN-slot contract as jqwik properties: what every FFN kind (dense, MoE, Neural-Process, any later one)
 * must do to drop into the slot. A kind adopts the whole suite with one test class next to its layer:
 *
 * <pre>
 * class MyFfnContractTest implements FfnContract {
 *   public FfnSlotConf tinyFfn() { return new MyFfn.Builder().hidden(8).build(); }
 *   public Optional&lt;ExpectedUsage&gt; expectedUsage() { return Optional.of(ExpectedUsage.of(4, "my_scalar")); }
 * }
 * </pre>
 *
 * Several option sets of one kind are {@code @Group} inner classes that each implement this interface
 * (MoeFfnContractTest, NpFfnContractTest). The checks:
 *
 * <ol>
 *   <li>shape: [B, C, T] in, [B, C, T] out (NCW); [B, T, C] in, [B, T, C] out (NWC); the input gradient has the
 *       input's shape;
 *   <li>masking: padded positions give exactly 0, and new content at padded positions changes no output;
 *   <li>causality: new tokens at positions &gt; t change no output at positions ≤ t, for the layer alone and for
 *       a two-block TransformerStack built with it;
 *   <li>JSON: the graph configuration survives toJson/fromJson equal, and the network built from the JSON
 *       computes the same outputs from the same parameters;
 *   <li>ModelSerializer: after a training step, save and restore give identical parameters, updater state and
 *       outputs, and the next training step is identical on both;
 *   <li>gradients: DL4J's numerical gradient check in double precision, with a LayerNorm in front of the layer
 *       so that its input gradient is checked too (through the norm's parameters);
 *   <li>usage: a kind that implements UsageReporting reports a snapshot after every forward with tokens equal
 *       to the unmasked count, its units and scalars; a kind that does not declare usage does not implement it;
 *   <li>stack: a two-block TransformerStack with this kind in both FFN slots gives finite outputs and one
 *       finite training step;
 *   <li>stepping: that stack fed token by token, or in random chunks, through rnnTimeStep
 *       ({@link org.npffn.stack.decoding.IncrementalDecoder}) gives the full forward's outputs within
 *       {@link #STEP_TOLERANCE} in double precision, with no padding, right padding or left padding.
 * </ol>
 *
 * <p>Every check builds networks, so every property sets its tries (and turns shrinking off: a shrinking
 * failure would build hundreds more). Sizes are fixed and tiny: d = {@link #WIDTH}, B ≤ 4, T ≤ 5.
 * Properties are plain methods: {@code FfnContractRejectsFlawedKindsTest} calls them on deliberately broken
 * kinds ({@link ProbeFfn.Flaw}) and expects each to fail.
 */
public interface FfnContract {
  /** d, the width of every check: above every B and T drawn, so [B, C, T] and [B, T, C] never coincide. */
  long WIDTH = 6;
  /** T of the checks that do not draw it. */
  int LENGTH = 5;
  /** B of the checks that do not draw it. */
  int BATCH = 3;
  /** Classes of the softmax output layer after the FFN. */
  int CLASSES = 3;
  /** Vocabulary of the TransformerStack checks. */
  int VOCAB = 11;
  /** The FFN's vertex name in the one-layer graphs (TestNets.singleLayer's). */
  String LAYER = "layer";
  /** Fixed jqwik seed: the suite draws the same cases on every run. */
  String SEED = "20261205";
  /** Outputs compared for equality may differ by this much (rows are computed by the same code in another batch). */
  double SAME = 1e-12;
  /** Largest difference of log-probabilities allowed between stepping and the full forward (double precision). */
  double STEP_TOLERANCE = 1e-9;

  // ------------------------------------------------------------------ what an adopting test supplies

  /**
   * A fresh, tiny config of this FFN kind: width from the input ({@link #WIDTH}), a hidden size of a few
   * units, few parameters (the gradient check checks every one of up to 800). The contract sets its data
   * format.
   */
  FfnSlotConf tinyFfn();

  /** The usage a kind that implements UsageReporting reports; empty (the default) for a kind that does not. */
  default Optional<ExpectedUsage> expectedUsage() {
    return Optional.empty();
  }

  /**
   * Parameter keys the gradient check leaves out: state that no gradient moves (e.g. the MoE's loss-free
   * balancing bias). Default none.
   */
  default Set<String> gradientCheckExcludes() {
    return Set.of();
  }

  /** Values checked per parameter: 0 (all) up to 800 parameters, else a random subset of 30 per parameter. */
  default int gradientCheckMaxPerParam(long layerParams) {
    return layerParams <= 800 ? 0 : 30;
  }

  /**
   * Why this kind's training passes are not causal by design, or empty (the default) for a causal kind. A
   * kind that names a reason is not held to causality in training passes; the checks assert instead that the
   * leak shows there (an output at t = 0 changes when only later tokens change, within 20 random batches), so
   * the declaration cannot go stale once the leak is fixed. Inference passes are held to causality whatever
   * the kind declares: generation steps through them.
   */
  default Optional<String> knownCausalityLeak() {
    return Optional.empty();
  }

  /**
   * Sets this option set's runtime inference settings (e.g. the NP layer's inference top-k) on a built network
   * before the stepping check runs it. Default: none.
   */
  default void applyInferenceSettings(ComputationGraph net) {
  }

  /**
   * Moves a freshly initialised layer's parameters off their initial values, so that paths which start at
   * zero (selectors, gates, noise weights, biases) carry signal in every check. Default: adds N(0, 0.3²) to
   * every parameter.
   */
  default void moveOffInit(Layer layer, Random rng) {
    INDArray p = layer.params();
    p.addi(TestNets.gaussianLike(p, rng.nextLong()).muli(0.3));
  }

  // ------------------------------------------------------------------ shape

  @Property(tries = 4, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void outputHasTheShapeAndFormatOfTheInput(@ForAll @IntRange(min = 1, max = 4) int batch,
      @ForAll @IntRange(min = 1, max = 5) int length, @ForAll boolean training, @ForAll long seed) {
    TestNets.useDoublePrecision();
    for (RNNFormat f : RNNFormat.values()) {
      String what = f + " B=" + batch + " T=" + length + (training ? " training" : " inference");
      ComputationGraph net = ContractNets.oneLayer(this, f, length, seed, false);
      Random rng = new Random(seed);
      INDArray x = TestNets.randomSequence(rng, f, batch, WIDTH, length);
      long[] expected = f == RNNFormat.NCW ? new long[] {batch, WIDTH, length} : new long[] {batch, length, WIDTH};

      // the layer on its own, through DL4J's Layer API
      Layer layer = net.getLayer(LAYER);
      LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
      layer.setInput(x, mgr);
      INDArray y = layer.activate(training, mgr);
      assertArrayEquals(expected, y.shape(), what + ": activate's output shape");
      assertEquals(x.dataType(), y.dataType(), what + ": output data type");
      layer.setInput(x, mgr);
      INDArray yTrain = layer.activate(true, mgr);
      INDArray dx = layer.backpropGradient(TestNets.gaussianLike(yTrain, seed), mgr).getSecond();
      if (dx != null) {
        assertArrayEquals(x.shape(), dx.shape(), what + ": input gradient shape");
      }

      // in a graph, followed by an output layer that reads the same format
      Map<String, INDArray> acts = net.feedForward(new INDArray[] {x}, training, false);
      assertArrayEquals(expected, acts.get(LAYER).shape(), what + ": the layer's activations in a graph");
      long[] out = f == RNNFormat.NCW ? new long[] {batch, CLASSES, length} : new long[] {batch, length, CLASSES};
      assertArrayEquals(out, acts.get(ContractNets.OUT).shape(), what + ": the output layer after it");
    }
  }

  // ------------------------------------------------------------------ masking

  @Property(tries = 4, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void paddedPositionsGiveZeroAndTheirContentChangesNothing(@ForAll long seed) {
    TestNets.useDoublePrecision();
    for (RNNFormat f : RNNFormat.values()) {
      for (boolean training : new boolean[] {false, true}) {
        ComputationGraph net = ContractNets.oneLayer(this, f, LENGTH, seed, false);
        Random rng = new Random(seed);
        INDArray x = TestNets.randomSequence(rng, f, BATCH, WIDTH, LENGTH);
        int[] lengths = ContractNets.paddedLengths(rng, BATCH, LENGTH);
        INDArray mask = TestNets.rightPaddedMask(LENGTH, lengths);
        INDArray other = ContractNets.replaced(x, f, (b, t) -> t >= lengths[b.intValue()], rng);
        String what = f + (training ? " training" : " inference") + " lengths " + java.util.Arrays.toString(lengths);

        INDArray y = layerOutput(net, x, mask, training);
        INDArray yOther = layerOutput(net, other, mask, training);
        for (int b = 0; b < BATCH; b++) {
          for (int t = lengths[b]; t < LENGTH; t++) {
            assertEquals(0.0, maxAbs(at(y, f, b, t)), 0.0,
                what + ": padded position (b=" + b + ", t=" + t + ") must give 0");
          }
          for (int t = 0; t < lengths[b]; t++) {
            double diff = maxAbs(at(y, f, b, t).sub(at(yOther, f, b, t)));
            assertTrue(diff <= SAME, what + ": real position (b=" + b + ", t=" + t
                + ") changed by " + diff + " when only padded positions changed");
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ causality

  @Property(tries = 4, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void outputsUpToTDoNotDependOnLaterPositions(@ForAll @IntRange(min = 0, max = LENGTH - 2) int cut,
      @ForAll long seed) {
    TestNets.useDoublePrecision();
    if (knownCausalityLeak().isPresent()) {
      assertTheDeclaredLeakShows(i -> {
        ComputationGraph net = ContractNets.oneLayer(this, RNNFormat.NWC, LENGTH, seed + i, false);
        Random rng = new Random(seed + i);
        INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, BATCH, WIDTH, LENGTH);
        INDArray later = ContractNets.replaced(x, RNNFormat.NWC, (b, t) -> t > 0, rng);
        return maxAbs(layerOutput(net, x, null, true).sub(layerOutput(net, later, null, true))
            .get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
      });
    }
    boolean[] passes = knownCausalityLeak().isPresent() ? new boolean[] {false} : new boolean[] {false, true};
    for (RNNFormat f : RNNFormat.values()) {
      for (boolean training : passes) {
        ComputationGraph net = ContractNets.oneLayer(this, f, LENGTH, seed, false);
        Random rng = new Random(seed);
        INDArray x = TestNets.randomSequence(rng, f, BATCH, WIDTH, LENGTH);
        INDArray later = ContractNets.replaced(x, f, (b, t) -> t > cut, rng);
        String what = f + (training ? " training" : " inference") + ", positions > " + cut + " changed";
        INDArray y = layerOutput(net, x, null, training);
        INDArray yLater = layerOutput(net, later, null, training);
        double after = 0;
        for (int b = 0; b < BATCH; b++) {
          for (int t = 0; t < LENGTH; t++) {
            double diff = maxAbs(at(y, f, b, t).sub(at(yLater, f, b, t)));
            if (t <= cut) {
              assertTrue(diff <= SAME, what + ": output at (b=" + b + ", t=" + t + ") changed by " + diff);
            } else {
              after = Math.max(after, diff);
            }
          }
        }
        assertTrue(after > SAME, what + ": no output after the cut changed: the check saw nothing");
      }
    }
  }

  @Property(tries = 2, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void aTransformerStackWithThisFfnStaysCausal(@ForAll @IntRange(min = 0, max = LENGTH - 2) int cut,
      @ForAll long seed) {
    TestNets.useDoublePrecision();
    if (knownCausalityLeak().isPresent()) {
      assertTheDeclaredLeakShows(i -> {
        ComputationGraph net = ContractNets.stack(this, LENGTH, seed + i);
        Random rng = new Random(seed + i);
        INDArray ids = TestNets.randomIds(rng, BATCH, LENGTH, VOCAB);
        INDArray later = ContractNets.idsChangedAfter(ids, 0, rng);
        INDArray y = net.feedForward(new INDArray[] {ids}, true, false).get(TransformerStack.OUTPUT).dup();
        INDArray yLater = net.feedForward(new INDArray[] {later}, true, false).get(TransformerStack.OUTPUT);
        return maxAbs(y.sub(yLater).get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
      });
    }
    // inference (outputSingle) is held to causality whatever the kind declares
    ComputationGraph net = ContractNets.stack(this, LENGTH, seed);
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, BATCH, LENGTH, VOCAB);
    INDArray later = ContractNets.idsChangedAfter(ids, cut, rng);
    INDArray y = net.outputSingle(ids).dup(); //                                         [B, T, V]
    INDArray yLater = net.outputSingle(later).dup();
    org.nd4j.linalg.indexing.INDArrayIndex upTo = NDArrayIndex.interval(0, cut + 1);
    double diff = maxAbs(y.get(NDArrayIndex.all(), upTo, NDArrayIndex.all())
        .sub(yLater.get(NDArrayIndex.all(), upTo, NDArrayIndex.all())));
    assertTrue(diff <= SAME, "stack: outputs at positions ≤ " + cut + " changed by " + diff
        + " when only later tokens changed");
    assertNotEquals(y, yLater, "stack: no output changed at all: the check saw nothing");
  }

  /**
   * For a kind with a {@link #knownCausalityLeak()}: {@code changeAtZero} runs random batch i (0..19) and returns
   * how much an output at t = 0 moved when only later tokens changed; some batch must show it.
   */
  private void assertTheDeclaredLeakShows(java.util.function.IntToDoubleFunction changeAtZero) {
    for (int i = 0; i < 20; i++) {
      if (changeAtZero.applyAsDouble(i) > SAME) {
        return;
      }
    }
    fail("declares a causality leak (" + knownCausalityLeak().orElseThrow() + ") but no output at t = 0 changed"
        + " in 20 random batches whose later tokens changed: drop the declaration and hold it to causality");
  }

  // ------------------------------------------------------------------ JSON

  @Property(tries = 2, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void configurationSurvivesAJsonRoundTrip(@ForAll long seed) {
    TestNets.useDoublePrecision();
    for (RNNFormat f : RNNFormat.values()) {
      ComputationGraph net = ContractNets.oneLayer(this, f, LENGTH, seed, false);
      ComputationGraphConfiguration conf = net.getConfiguration();
      String json = conf.toJson();
      ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
      assertEquals(ffnOf(conf), ffnOf(back), f + ": the FFN layer's config after toJson/fromJson");
      assertEquals(conf, back, f + ": the graph config after toJson/fromJson");
      assertEquals(json, back.toJson(), f + ": toJson of the restored config");

      // the restored config must compute the same function: a field lost in JSON but left out of equals shows
      ComputationGraph restored = new ComputationGraph(back);
      restored.init(net.params().dup(), false);
      Random rng = new Random(seed);
      INDArray x = TestNets.randomSequence(rng, f, BATCH, WIDTH, LENGTH);
      INDArray mask = TestNets.rightPaddedMask(LENGTH, ContractNets.paddedLengths(rng, BATCH, LENGTH));
      for (boolean training : new boolean[] {false, true}) {
        INDArray y = layerOutput(net, x, mask, training);
        INDArray yBack = layerOutput(restored, x, mask, training);
        double diff = maxAbs(y.sub(yBack));
        assertTrue(diff == 0, f + (training ? " training" : " inference")
            + ": the network built from the JSON config differs by " + diff + " on the same parameters");
      }
    }
    ComputationGraphConfiguration stack = ContractNets.stackConf(this, LENGTH, seed);
    ComputationGraphConfiguration stackBack = ComputationGraphConfiguration.fromJson(stack.toJson());
    assertEquals(stack, stackBack, "TransformerStack config after toJson/fromJson");
    assertEquals(stack.toJson(), stackBack.toJson(), "toJson of the restored TransformerStack config");
  }

  private static org.deeplearning4j.nn.conf.layers.Layer ffnOf(ComputationGraphConfiguration conf) {
    return ((LayerVertex) conf.getVertices().get(LAYER)).getLayerConf().getLayer();
  }

  // ------------------------------------------------------------------ ModelSerializer

  @Property(tries = 2, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void modelSerializerRestoresParamsUpdaterStateAndOutputs(@ForAll long seed) throws IOException {
    TestNets.useDoublePrecision();
    for (RNNFormat f : RNNFormat.values()) {
      ComputationGraph net = ContractNets.oneLayer(this, f, LENGTH, seed, true);
      Random rng = new Random(seed);
      INDArray x = TestNets.randomSequence(rng, f, BATCH, WIDTH, LENGTH);
      INDArray labels = TestNets.randomLabels(rng, f, BATCH, CLASSES, LENGTH);
      INDArray mask = TestNets.rightPaddedMask(LENGTH, ContractNets.paddedLengths(rng, BATCH, LENGTH));
      MultiDataSet data = new MultiDataSet(new INDArray[] {x}, new INDArray[] {labels}, new INDArray[] {mask},
          new INDArray[] {mask});
      net.fit(data); // moves the parameters and fills the updater state (and any state the layer keeps)
      File file = Files.createTempFile("npffn-contract", ".zip").toFile();
      try {
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(net.params(), restored.params(), f + ": parameters after restore");
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(),
            f + ": updater state after restore");
        for (boolean training : new boolean[] {false, true}) {
          INDArray y = layerOutput(net, x, mask, training);
          INDArray yBack = layerOutput(restored, x, mask, training);
          assertEquals(0.0, maxAbs(y.sub(yBack)), 0.0, f + (training ? " training" : " inference")
              + ": the restored layer's outputs");
        }
        net.fit(data);
        restored.fit(data);
        assertEquals(net.score(), restored.score(), 0.0, f + ": score of the next training step");
        assertEquals(net.params(), restored.params(), f + ": parameters after the next training step");
      } finally {
        Files.deleteIfExists(file.toPath());
      }
    }
  }

  // ------------------------------------------------------------------ gradients

  @Property(tries = 4, generation = GenerationMode.EXHAUSTIVE, shrinking = ShrinkingMode.OFF)
  default void gradientsMatchFiniteDifferences(@ForAll RNNFormat format, @ForAll boolean masked) {
    TestNets.useDoublePrecision();
    long seed = 41 + 2L * format.ordinal() + (masked ? 1 : 0);
    int b = 2;
    int t = 4;
    ComputationGraph net = ContractNets.behindANorm(this, format, t, seed);
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, format, b, WIDTH, t);
    INDArray labels = TestNets.randomLabels(rng, format, b, CLASSES, t);
    long layerParams = net.getLayer(LAYER).numParams();
    Set<String> excludes = new HashSet<>();
    for (String key : gradientCheckExcludes()) {
      assertTrue(net.getLayer(LAYER).paramTable().containsKey(key), "excluded parameter " + key + " does not exist");
      excludes.add(LAYER + "_" + key);
    }
    // The check runs one backward pass, then the finite differences. A layer that moves state in its backward
    // (the MoE's loss-free bias) would change the function between the two: hold the excluded parameters at
    // their values from before the check. callEachIter runs before the backward and before every evaluation.
    Map<String, INDArray> held = new HashMap<>();
    GradientCheckUtil.GraphConfig c = new GradientCheckUtil.GraphConfig().net(net).inputs(new INDArray[] {x})
        .labels(new INDArray[] {labels}).excludeParams(excludes).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
        .callEachIter(g -> gradientCheckExcludes().forEach(key -> {
          INDArray p = g.getLayer(LAYER).getParam(key);
          p.assign(held.computeIfAbsent(key, k -> p.dup()));
        }));
    if (masked) {
      INDArray mask = TestNets.rightPaddedMask(t, t, 2);
      c.inputMask(new INDArray[] {mask}).labelMask(new INDArray[] {mask});
    }
    int perParam = gradientCheckMaxPerParam(layerParams);
    if (perParam > 0) {
      c.subset(true).maxPerParam(perParam);
    }
    assertTrue(GradientCheckUtil.checkGradients(c), format + (masked ? " masked" : "")
        + ": analytic and numerical gradients differ (the norm's parameters carry the FFN's input gradient)");
  }

  // ------------------------------------------------------------------ usage statistics

  @Property(tries = 2, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void usageStatisticsCoverTheRealTokens(@ForAll long seed) {
    TestNets.useDoublePrecision();
    RNNFormat f = seed % 2 == 0 ? RNNFormat.NWC : RNNFormat.NCW;
    ComputationGraph net = ContractNets.oneLayer(this, f, LENGTH, seed, false);
    Layer layer = net.getLayer(LAYER);
    Optional<ExpectedUsage> expected = expectedUsage();
    if (expected.isEmpty()) {
      assertFalse(layer instanceof UsageReporting, layer.getClass().getSimpleName() + " implements UsageReporting:"
          + " its contract test must declare expectedUsage()");
      return;
    }
    if (!(layer instanceof UsageReporting reporting)) {
      fail(layer.getClass().getSimpleName() + " does not implement UsageReporting, but its contract test expects "
          + expected.get());
      return;
    }
    assertTrue(reporting.lastUsage().isEmpty(), "usage before the first forward pass must be empty");
    Random rng = new Random(seed);
    INDArray x = TestNets.randomSequence(rng, f, BATCH, WIDTH, LENGTH);
    INDArray padded = TestNets.rightPaddedMask(LENGTH, ContractNets.paddedLengths(rng, BATCH, LENGTH));
    for (boolean training : new boolean[] {false, true}) {
      for (INDArray mask : new INDArray[] {padded, null}) {
        layerOutput(net, x, mask, training);
        long real = mask == null ? (long) BATCH * LENGTH : mask.sumNumber().longValue();
        String what = (training ? "training" : "inference") + (mask == null ? ", no mask" : ", " + real + " real of "
            + BATCH * LENGTH);
        UsageSnapshot s = reporting.lastUsage().orElseThrow(() -> new AssertionError(what + ": no usage reported"));
        assertEquals(LAYER, s.layer(), what + ": the snapshot names its layer");
        assertEquals(real, s.tokens(), what + ": tokens must be the unmasked count");
        assertEquals(expected.get().units(), s.units(), what + ": units");
        double loadSum = 0;
        for (int u = 0; u < s.units(); u++) {
          double load = s.load()[u];
          double gate = s.meanGate()[u];
          assertTrue(Double.isFinite(load) && load >= 0, what + ": load of unit " + u + " = " + load);
          assertTrue(Double.isFinite(gate) && gate >= 0, what + ": mean gate of unit " + u + " = " + gate);
          loadSum += load;
        }
        assertTrue(loadSum > 0, what + ": no unit has any load");
        assertTrue(s.droppedSlots() >= 0, what + ": dropped slots " + s.droppedSlots());
        Set<String> names = new HashSet<>(expected.get().scalars());
        if (!training) {
          names.addAll(expected.get().inferenceScalars());
        }
        assertTrue(s.scalars().keySet().containsAll(names), what + ": scalars " + s.scalars().keySet()
            + " lack some of " + names);
        s.scalars().forEach((k, v) -> assertTrue(Double.isFinite(v), what + ": scalar " + k + " = " + v));
      }
    }
  }

  // ------------------------------------------------------------------ in a TransformerStack

  @Property(tries = 2, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void worksInATwoBlockTransformerStack(@ForAll long seed) {
    TestNets.useDoublePrecision();
    ComputationGraph net = ContractNets.stack(this, LENGTH, seed);
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, BATCH, LENGTH, VOCAB);
    INDArray labels = TestNets.randomLabels(rng, RNNFormat.NWC, BATCH, VOCAB, LENGTH);
    INDArray mask = TestNets.rightPaddedMask(LENGTH, ContractNets.paddedLengths(rng, BATCH, LENGTH));
    long real = mask.sumNumber().longValue();

    INDArray y = net.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0];
    assertArrayEquals(new long[] {BATCH, LENGTH, VOCAB}, y.shape(), "stack output shape");
    assertTrue(allFinite(y), "stack output has non-finite values");
    for (int i = 0; i < 2; i++) {
      Layer ffn = net.getLayer(TransformerStack.ffnName(i));
      if (expectedUsage().isPresent()) {
        UsageSnapshot s = ((UsageReporting) ffn).lastUsage().orElseThrow(
            () -> new AssertionError("stack: no usage from " + ffn.conf().getLayer().getLayerName()));
        assertEquals(TransformerStack.ffnName(i), s.layer(), "stack: the snapshot names its layer");
        assertEquals(real, s.tokens(), "stack: tokens of " + s.layer() + " must be the unmasked count");
      }
    }

    INDArray[] before = new INDArray[2];
    for (int i = 0; i < 2; i++) {
      before[i] = net.getLayer(TransformerStack.ffnName(i)).params().dup();
    }
    net.fit(new MultiDataSet(new INDArray[] {ids}, new INDArray[] {labels}, new INDArray[] {mask},
        new INDArray[] {mask}));
    assertTrue(Double.isFinite(net.score()), "stack: score after one training step = " + net.score());
    assertTrue(allFinite(net.params()), "stack: non-finite parameters after one training step");
    for (int i = 0; i < 2; i++) {
      String name = TransformerStack.ffnName(i);
      assertTrue(maxAbs(net.getLayer(name).params().sub(before[i])) > 0,
          name + ": one training step left its parameters unchanged");
    }
    assertTrue(allFinite(net.outputSingle(ids)), "stack: non-finite output after one training step");
  }

  // ------------------------------------------------------------------ stepping

  /** Where the padding of the stepping check sits. */
  enum Padding { NONE, RIGHT, LEFT }

  @Property(tries = 6, seed = SEED, shrinking = ShrinkingMode.OFF)
  default void steppingGivesTheFullForwardsOutputs(@ForAll Padding padding, @ForAll long seed) {
    TestNets.useDoublePrecision();
    int t = 7;
    ComputationGraph net = ContractNets.stack(this, t, seed);
    applyInferenceSettings(net);
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, BATCH, t, VOCAB);
    INDArray mask = StepChecks.mask(padding, rng, BATCH, t);
    INDArray full = StepChecks.fullForward(net, ids, mask);
    IncrementalDecoder decoder = IncrementalDecoder.of(net);
    for (int[] chunks : new int[][] {StepChecks.ones(t), StepChecks.randomChunks(rng, t)}) {
      decoder.reset();
      INDArray stepped = StepChecks.stepped(decoder, ids, mask, chunks);
      double diff = StepChecks.maxLogDifferenceAtRealTokens(full, stepped, mask);
      assertTrue(diff <= STEP_TOLERANCE, "chunks " + java.util.Arrays.toString(chunks) + ", " + padding
          + " padding: stepped log-probabilities differ from the full forward's by " + diff);
    }
    // the control: chunks stepped from an empty state each time lose the earlier tokens, and the check sees it
    INDArray forgetful = StepChecks.steppedForgetting(decoder, ids, mask, StepChecks.ones(t));
    assertTrue(StepChecks.maxLogDifferenceAtRealTokens(full, forgetful, mask) > 1e-6,
        "stepping without the carried state gave the full forward's outputs: the check saw nothing");
  }

}
