package org.npffn.stack.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.TestNets;
import org.npffn.stack.norm.SequenceNorm;

/**
 * The softmax output layer computes what DL4J's RnnOutputLayer with MCXENT and SOFTMAX computes (outputs, score,
 * per-sequence scores, every gradient, with and without a mask, in either format), passes DL4J's numerical
 * gradient check, survives JSON and ModelSerializer, and trains in a MultiLayerNetwork.
 */
class SequenceSoftmaxOutputTest {
  private static final int B = 3;
  private static final int C = 6;
  private static final int T = 5;
  private static final int V = 7;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  /** input -> norm -> head, in double. */
  private static ComputationGraph net(Layer head, RNNFormat f, long seed) {
    ComputationGraphConfiguration conf = TestNets.gradientCheckBase(seed).graphBuilder().addInputs("in")
        .addLayer("norm", new SequenceNorm.Builder().dataFormat(f).build(), "in")
        .addLayer("out", head, "norm")
        .setOutputs("out").setInputTypes(InputType.recurrent(C, T, f)).build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    return net;
  }

  private static SequenceSoftmaxOutput head(RNNFormat f) {
    return new SequenceSoftmaxOutput.Builder().nOut(V).dataFormat(f).build();
  }

  private static RnnOutputLayer dl4jHead(RNNFormat f) {
    return new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(V)
        .dataFormat(f).build();
  }

  @ParameterizedTest(name = "{0} masked={1}")
  @CsvSource({"NWC,false", "NWC,true", "NCW,false", "NCW,true"})
  void computesWhatRnnOutputLayerComputes(RNNFormat f, boolean masked) {
    Random rng = new Random(5);
    ComputationGraph ours = net(head(f), f, 3);
    ComputationGraph theirs = net(dl4jHead(f), f, 3);
    for (String key : new String[] {"W", "b"}) {
      ours.getLayer("out").getParam(key).assign(
          TestNets.randomSequence(rng, RNNFormat.NWC, 1, 1, key.equals("W") ? C * V : V).reshape(
              ours.getLayer("out").getParam(key).shape()));
      theirs.getLayer("out").getParam(key).assign(ours.getLayer("out").getParam(key));
    }
    theirs.getLayer("norm").setParams(ours.getLayer("norm").params().dup());
    INDArray x = TestNets.randomSequence(rng, f, B, C, T);
    INDArray y = TestNets.randomLabels(rng, f, B, V, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 3, 1) : null;
    MultiDataSet data = new MultiDataSet(new INDArray[] {x}, new INDArray[] {y},
        mask == null ? null : new INDArray[] {mask}, mask == null ? null : new INDArray[] {mask});

    assertClose(theirs.output(false, new INDArray[] {x}, data.getFeaturesMaskArrays())[0],
        ours.output(false, new INDArray[] {x}, data.getFeaturesMaskArrays())[0], "output");
    Map<String, INDArray> g1 = gradients(ours, data);
    double s1 = ours.score();
    Map<String, INDArray> g2 = gradients(theirs, data);
    double s2 = theirs.score();
    assertEquals(s2, s1, 1e-12 * Math.abs(s2), "score");
    assertEquals(g2.keySet(), g1.keySet());
    for (String key : g2.keySet()) {
      assertClose(g2.get(key), g1.get(key), key);
    }
    // RnnOutputLayer's scoreExamples fails with workspaces in M2.1 (it returns an array of its working memory,
    // which the graph then cannot detach), so the reference runs without them
    theirs.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
    theirs.getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
    assertClose(theirs.scoreExamples(data, true), ours.scoreExamples(data, true), "score per sequence");
    assertEquals(theirs.score(data), ours.score(data), 1e-12 * Math.abs(s2), "score of a fresh forward");
  }

  private static Map<String, INDArray> gradients(ComputationGraph net, MultiDataSet data) {
    net.setInputs(data.getFeatures());
    net.setLabels(data.getLabels());
    net.setLayerMaskArrays(data.getFeaturesMaskArrays(), data.getLabelsMaskArrays());
    net.computeGradientAndScore();
    Map<String, INDArray> out = new java.util.TreeMap<>();
    net.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup('c').reshape(v.length())));
    net.clearLayerMaskArrays();
    return out;
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
    double diff = expected.reshape(expected.length()).sub(actual.reshape(actual.length())).amaxNumber()
        .doubleValue();
    assertTrue(diff <= 1e-10 * scale, what + ": max difference " + diff + " against max " + scale);
  }

  @ParameterizedTest(name = "{0} masked={1}")
  @CsvSource({"NWC,false", "NCW,true"})
  void passesTheNumericalGradientCheck(RNNFormat f, boolean masked) {
    Random rng = new Random(7);
    ComputationGraph net = net(head(f), f, 7);
    INDArray x = TestNets.randomSequence(rng, f, B, C, T);
    INDArray y = TestNets.randomLabels(rng, f, B, V, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 2, 4) : null;
    assertTrue(TestNets.gradientsMatch(net, x, y, mask, 0));
  }

  @Test
  void survivesJsonAndModelSerializer(@TempDir Path dir) throws IOException {
    ComputationGraph net = net(head(RNNFormat.NWC), RNNFormat.NWC, 9);
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson());
    assertEquals(net.getConfiguration(), back);
    INDArray x = TestNets.randomSequence(new Random(9), RNNFormat.NWC, B, C, T);
    File file = dir.resolve("net.zip").toFile();
    ModelSerializer.writeModel(net, file, true);
    ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
    assertEquals(net.outputSingle(x), restored.outputSingle(x));
  }

  @Test
  void trainsInAMultiLayerNetwork() {
    MultiLayerNetwork net = new MultiLayerNetwork(TestNets.gradientCheckBase(4).list()
        .layer(new SequenceNorm.Builder().dataFormat(RNNFormat.NWC).build())
        .layer(head(RNNFormat.NWC))
        .setInputType(InputType.recurrent(C, T, RNNFormat.NWC)).build());
    net.init();
    Random rng = new Random(4);
    INDArray x = TestNets.randomSequence(rng, RNNFormat.NWC, B, C, T);
    INDArray y = TestNets.randomLabels(rng, RNNFormat.NWC, B, V, T);
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
  }

  @Test
  void aMissingClassCountFailsAtBuildTime() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SequenceSoftmaxOutput.Builder().build());
    assertTrue(e.getMessage().contains("nOut = 0"), e.getMessage());
  }
}
