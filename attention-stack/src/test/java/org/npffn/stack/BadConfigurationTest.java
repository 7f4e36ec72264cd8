package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.layers.SequenceLayerConf;
import org.npffn.stack.norm.SequenceNorm;

/** Bad configurations fail when the network is built, naming the field and the value; bad ids fail on use. */
class BadConfigurationTest {

  private static void failsNaming(Supplier<?> build, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  /** The layer in a graph whose input has width {@code width}. */
  private static Object graphWith(SequenceLayerConf layer, long width) {
    return new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
        .addLayer("layer", layer, "in")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .activation(Activation.SOFTMAX).nOut(3).dataFormat(layer.getDataFormat()).build(), "layer")
        .setOutputs("out").setInputTypes(InputType.recurrent(width, 5, layer.getDataFormat())).build();
  }

  @Test
  void headsNotDividingTheWidth() {
    failsNaming(() -> new TransformerStack().width(10).heads(3).build(), "heads = 3", "width = 10");
    failsNaming(() -> new CausalSelfAttention.Builder().nHeads(3).nIn(8).build(), "nHeads = 3", "nIn = 8");
    failsNaming(() -> graphWith(new CausalSelfAttention.Builder().nHeads(3).build(), 8),
        "'layer'", "nHeads = 3", "nIn = 8");
  }

  @Test
  void zeroOrNegativeSizes() {
    failsNaming(() -> new DenseFfn.Builder().hidden(0).build(), "hidden = 0");
    failsNaming(() -> new DenseFfn.Builder().hidden(-4).build(), "hidden = -4");
    failsNaming(() -> new CausalSelfAttention.Builder().nHeads(0).build(), "nHeads = 0");
    failsNaming(() -> new CausalSelfAttention.Builder().nHeads(-2).build(), "nHeads = -2");
    failsNaming(() -> new SequenceNorm.Builder().eps(0).build(), "eps = 0");
    failsNaming(() -> new TokenPositionEmbedding.Builder().vocabSize(0).width(8).maxLength(4).build(),
        "vocabSize (nIn) = 0");
    failsNaming(() -> new TokenPositionEmbedding.Builder().vocabSize(5).width(-1).maxLength(4).build(),
        "width (nOut) = -1");
    failsNaming(() -> new TokenPositionEmbedding.Builder().vocabSize(5).width(8).maxLength(0).build(),
        "maxLength = 0");
    failsNaming(() -> new TransformerStack().blocks(0).build(), "blocks = 0");
    failsNaming(() -> new TransformerStack().width(-8).build(), "width = -8");
    failsNaming(() -> new TransformerStack().vocabSize(0).build(), "vocabSize = 0");
    failsNaming(() -> new TransformerStack().maxLength(-1).build(), "maxLength = -1");
  }

  @Test
  void nInMismatch() {
    failsNaming(() -> graphWith(new DenseFfn.Builder().nIn(16).hidden(8).build(), 8), "'layer'",
        "nIn = 16", "width 8");
    failsNaming(() -> graphWith(new SequenceNorm.Builder().nIn(4).build(), 8), "nIn = 4", "width 8");
    failsNaming(() -> graphWith(new CausalSelfAttention.Builder().nIn(12).nHeads(2).build(), 8), "nIn = 12");
  }

  @Test
  void dataFormatMismatch() {
    failsNaming(() -> new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").addLayer("n", new SequenceNorm.Builder().dataFormat(RNNFormat.NWC).build(), "in")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
            .nOut(3).build(), "n")
        .setOutputs("out").setInputTypes(InputType.recurrent(8, 5, RNNFormat.NCW)).build(),
        "dataFormat = NWC", "NCW");
  }

  @Test
  void sequenceLongerThanMaxLength() {
    failsNaming(() -> graphWithIds(4, 9), "sequence length 9", "maxLength = 4");
  }

  private static Object graphWithIds(long maxLength, long t) {
    return new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder().addInputs("ids")
        .addLayer("embed", new TokenPositionEmbedding.Builder().vocabSize(4).width(8).maxLength(maxLength)
            .build(), "ids")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .activation(Activation.SOFTMAX).nOut(3).build(), "embed")
        .setOutputs("out").setInputTypes(InputType.recurrent(1, t)).build();
  }

  @Test
  void idsOutsideTheVocabularyFailOnUseNamingLayerIdAndPosition() {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(10).width(8).heads(2)
        .maxLength(4).build());
    net.init();
    INDArray ids = Nd4j.createFromArray(new float[][] {{1, 2, 3, 4}, {5, 6, 12, 0}});
    failsNaming(() -> net.outputSingle(ids), "embed", "id 12.0", "b = 1, t = 2", "[0, 10)");
    INDArray negative = Nd4j.createFromArray(new float[][] {{-1, 2}});
    failsNaming(() -> net.outputSingle(negative), "id -1.0", "b = 0, t = 0");
    INDArray fractional = Nd4j.createFromArray(new float[][] {{1.5f, 2}});
    failsNaming(() -> net.outputSingle(fractional), "id 1.5");
  }

  @Test
  void idsAtPaddedPositionsAreNotChecked() {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(10).width(8).heads(2)
        .maxLength(4).build());
    net.init();
    INDArray ids = Nd4j.createFromArray(new float[][] {{1, 2, -1, -1}});
    INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 0, 0}});
    INDArray out = net.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0]; //             [B, T, V]
    // the real positions get what they get, unmasked, after valid ids (a softmax row always sums to 1, so
    // checking that could only catch NaN)
    INDArray valid = Nd4j.createFromArray(new float[][] {{1, 2, 0, 0}});
    INDArray reference = net.outputSingle(valid);
    INDArray[] real = {out.get(all(), interval(0, 2), all()), reference.get(all(), interval(0, 2), all())};
    assertTrue(real[0].equalsWithEps(real[1], 1e-6), "real positions changed by " + real[0].sub(real[1]).amaxNumber());
  }
}
