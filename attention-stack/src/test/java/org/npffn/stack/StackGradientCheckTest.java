package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.embedding.PositionEncoding;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.norm.NormKind;

/** Gradient checks, double precision, of the embedding on ids and of whole transformer stacks. */
class StackGradientCheckTest {
  private static final int VOCAB = 7;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  /** Where the padding sits: after the text (training windows) or before it (a batch of prompts). */
  enum Padding { NONE, RIGHT, LEFT }

  @ParameterizedTest(name = "embedding {0} {1} padding={2}")
  @CsvSource({"LEARNED,NWC,NONE", "LEARNED,NCW,RIGHT", "SINUSOIDAL,NWC,RIGHT", "SINUSOIDAL,NCW,NONE",
      "LEARNED,NWC,LEFT"})
  void embedding(PositionEncoding positions, RNNFormat f, Padding padding) {
    Random rng = new Random(21);
    int b = 3;
    int t = 5;
    ComputationGraphConfiguration conf = TestNets.gradientCheckBase(21).graphBuilder().addInputs("ids")
        .addLayer("embed", new TokenPositionEmbedding.Builder().vocabSize(VOCAB).width(6).maxLength(8)
            .positions(positions).dataFormat(f).build(), "ids")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .activation(Activation.SOFTMAX).nOut(4).dataFormat(f).build(), "embed")
        .setOutputs("out").setInputTypes(InputType.recurrent(1, t, RNNFormat.NCW)).build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    INDArray mask = padding == Padding.NONE ? null : padding == Padding.RIGHT ? TestNets.rightPaddedMask(t, t, 2, 4)
        : TestNets.leftPaddedMask(t, t, 2, 4);
    assertTrue(TestNets.gradientsMatch(net, TestNets.randomIds(rng, b, t, VOCAB),
        TestNets.randomLabels(rng, f, b, 4, t), mask, 0));
  }

  @ParameterizedTest(name = "2-block stack {0} {1} {2} padding={3}")
  @CsvSource({"LAYER,GELU,LEARNED,NONE", "RMS,SWIGLU,SINUSOIDAL,RIGHT", "LAYER,SWIGLU,LEARNED,RIGHT",
      "LAYER,GELU,LEARNED,LEFT"})
  void twoBlockStack(NormKind norm, FfnActivation act, PositionEncoding positions, Padding padding) {
    Random rng = new Random(22);
    int b = 2;
    int t = 4;
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(VOCAB).width(8).blocks(2)
        .heads(2).maxLength(t).norm(norm).positions(positions)
        .ffn((block, d) -> new DenseFfn.Builder().hidden(2 * d).activation(act).build())
        .base(TestNets.gradientCheckBase(22)).build());
    net.init();
    INDArray mask = padding == Padding.NONE ? null : padding == Padding.RIGHT ? TestNets.rightPaddedMask(t, t, 2)
        : TestNets.leftPaddedMask(t, t, 2);
    assertTrue(TestNets.gradientsMatch(net, TestNets.randomIds(rng, b, t, VOCAB),
        TestNets.randomLabels(rng, RNNFormat.NWC, b, VOCAB, t), mask, 0));
  }
}
