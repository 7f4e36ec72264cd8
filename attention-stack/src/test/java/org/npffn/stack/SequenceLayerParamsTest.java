package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.DenseFfn;

/** Layer.setParams takes the flat vector in the layout params() returns, as ComputationGraph.setParams does. */
class SequenceLayerParamsTest {

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static Layer denseLayer(long seed) {
    DenseFfn conf = new DenseFfn.Builder().hidden(7).dataFormat(RNNFormat.NWC).build();
    return TestNets.singleLayer(TestNets.gradientCheckBase(seed), conf, 5, 4, 3).getLayer("layer");
  }

  private static INDArray forward(Layer layer, INDArray x) {
    layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
    return layer.activate(false, LayerWorkspaceMgr.noWorkspaces()).dup();
  }

  @Test
  void setParamsFromAnotherLayersParamsGivesTheSameFunction() {
    Layer source = denseLayer(1);
    Layer target = denseLayer(2);
    INDArray x = TestNets.randomSequence(new Random(3), RNNFormat.NWC, 2, 5, 4);
    assertNotEquals(forward(source, x), forward(target, x));
    target.setParams(source.params().dup());
    assertEquals(forward(source, x), forward(target, x));
    assertEquals(source.getParam(DenseFfn.W1), target.getParam(DenseFfn.W1));
  }

  @Test
  void setParamsRejectsAVectorOfTheWrongLength() {
    Layer layer = denseLayer(1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> layer.setParams(Nd4j.zeros(layer.params().dataType(), 1, layer.numParams() + 1)));
    assertEquals(true, e.getMessage().contains(String.valueOf(layer.numParams() + 1)), e.getMessage());
  }
}
