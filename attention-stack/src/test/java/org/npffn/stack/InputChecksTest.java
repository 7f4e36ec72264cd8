package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.layers.NonFiniteValueException;

/**
 * Bad input at a layer's boundary fails with the layer's name, the expected and the found (issue 16), not with
 * an ND4J error from native code or a silent NaN.
 */
class InputChecksTest {
  private static ComputationGraph ffn(RNNFormat format, DataType type) {
    return TestNets.singleLayer(new NeuralNetConfiguration.Builder().seed(1).dataType(type),
        new DenseFfn.Builder().hidden(16).dataFormat(format).build(), 8, 5, 3);
  }

  private static String refused(Class<? extends RuntimeException> type, ComputationGraph net, INDArray x) {
    RuntimeException e = assertThrows(type, () -> net.output(x));
    String m = e.getMessage();
    assertTrue(m.contains("layer name: layer"), "names the layer: " + m);
    return m;
  }

  @Test
  void aWrongWidthNamesTheExpectedAndTheFound() {
    String m = refused(IllegalArgumentException.class, ffn(RNNFormat.NCW, DataType.FLOAT),
        Nd4j.rand(DataType.FLOAT, 2, 7, 5));
    assertTrue(m.contains("expected input width C = 8 in [B, C, T] (NCW), found shape [2, 7, 5]"), m);
  }

  @Test
  void theOtherDataLayoutIsNamed() {
    String m = refused(IllegalArgumentException.class, ffn(RNNFormat.NWC, DataType.FLOAT),
        Nd4j.rand(DataType.FLOAT, 2, 8, 5));
    assertTrue(m.contains("the input looks like NCW: the layer is configured for NWC"), m);
  }

  @Test
  void aDoubleArrayIntoAFloatNetworkIsNamed() {
    String m = refused(IllegalArgumentException.class, ffn(RNNFormat.NCW, DataType.FLOAT),
        Nd4j.rand(DataType.DOUBLE, 2, 8, 5));
    assertTrue(m.contains("expected FLOAT input (the network's data type), found DOUBLE"), m);
  }

  @Test
  void anEmptySequenceIsRefused() {
    String m = refused(IllegalArgumentException.class, ffn(RNNFormat.NCW, DataType.FLOAT),
        Nd4j.create(DataType.FLOAT, 2, 8, 0));
    assertTrue(m.contains("empty input, shape [2, 8, 0]"), m);
  }

  @Test
  void nanOrInfinityIntoAnFfnIsRefused() {
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 5);
    x.putScalar(new long[] {1, 3, 4}, Float.NaN);
    String m = refused(NonFiniteValueException.class, ffn(RNNFormat.NCW, DataType.FLOAT), x);
    assertTrue(m.contains("the input holds NaN or infinite values"), m);
    x.putScalar(new long[] {1, 3, 4}, Float.POSITIVE_INFINITY);
    refused(NonFiniteValueException.class, ffn(RNNFormat.NCW, DataType.FLOAT), x);
  }

  @Test
  void aNonIntegerIdIsNotCalledOutsideTheVocabulary() {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(16).width(8).blocks(1).heads(2)
        .maxLength(6).base(new NeuralNetConfiguration.Builder().seed(1)).build());
    net.init();
    INDArray ids = Nd4j.createFromArray(new float[][] {{1, 2, 3.5f, 4}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.output(ids));
    assertTrue(e.getMessage().contains("id 3.5 at position (b = 0, t = 2) is not an integer id"), e.getMessage());
    INDArray far = Nd4j.createFromArray(new float[][] {{1, 2, 16, 4}});
    e = assertThrows(IllegalArgumentException.class, () -> net.output(far));
    assertTrue(e.getMessage().contains("id 16.0 at position (b = 0, t = 2) is outside the vocabulary [0, 16)"),
        e.getMessage());
  }
}
