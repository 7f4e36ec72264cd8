package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.norm.NormKind;
import org.npffn.stack.norm.SequenceNorm;

/**
 * Every layer also works in a MultiLayerNetwork (no residuals): gradient check, and many training steps with
 * workspaces enabled, which would expose a scratch buffer kept inside a workspace.
 */
class MultiLayerNetworkTest {
  private static final int VOCAB = 6;
  private static final int T = 5;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static MultiLayerNetwork chain(NeuralNetConfiguration.Builder base) {
    MultiLayerConfiguration conf = base.list()
        .layer(new TokenPositionEmbedding.Builder().vocabSize(VOCAB).width(8).maxLength(T)
            .dataFormat(RNNFormat.NWC).build())
        .layer(new SequenceNorm.Builder().kind(NormKind.RMS).dataFormat(RNNFormat.NWC).build())
        .layer(new CausalSelfAttention.Builder().nHeads(2).dataFormat(RNNFormat.NWC).build())
        .layer(new SequenceNorm.Builder().dataFormat(RNNFormat.NWC).build())
        .layer(new DenseFfn.Builder().hidden(12).dataFormat(RNNFormat.NWC).build())
        .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
            .nOut(VOCAB).dataFormat(RNNFormat.NWC).build())
        .setInputType(InputType.recurrent(1, T, RNNFormat.NCW)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  @Test
  void gradientCheckInAMultiLayerNetwork() {
    Random rng = new Random(31);
    MultiLayerNetwork net = chain(TestNets.gradientCheckBase(31));
    INDArray mask = TestNets.rightPaddedMask(T, T, 3);
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
        .input(TestNets.randomIds(rng, 2, T, VOCAB)).labels(TestNets.randomLabels(rng, RNNFormat.NWC, 2, VOCAB, T))
        .inputMask(mask).labelMask(mask).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
  }

  @Test
  void trainsForManyStepsWithWorkspacesEnabled() {
    Random rng = new Random(32);
    MultiLayerNetwork net = chain(TestNets.gradientCheckBase(32).dataType(DataType.FLOAT).updater(new Adam(1e-2)));
    // A fixed batch: the loss must fall steadily, which needs every step's gradients to be valid.
    INDArray ids = TestNets.randomIds(rng, 4, T, VOCAB).castTo(DataType.FLOAT);
    INDArray labels = TestNets.randomLabels(rng, RNNFormat.NWC, 4, VOCAB, T).castTo(DataType.FLOAT);
    DataSet batch = new DataSet(ids, labels);
    double first = net.score(batch);
    for (int i = 0; i < 300; i++) {
      net.fit(batch);
    }
    double last = net.score(batch);
    assertTrue(Double.isFinite(last) && last < 0.5 * first, "loss " + first + " -> " + last);
  }
}
