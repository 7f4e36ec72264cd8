package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;

/** NpInference sets the runtime settings of every NP layer of a network with one call; they are not saved. */
class NpInferenceTest {
  private static final int T = 6;
  private static final int B = 3;
  private static final int GROUPS = 4;

  private static ComputationGraph twoNpBlocks() {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(11).width(8).heads(2).blocks(2)
        .maxLength(T).base(TestNets.gradientCheckBase(3).updater(new Adam(1e-2)))
        .ffn((block, d) -> new NpFfn.Builder().hidden(16).groups(GROUPS).contextWidth(4).build())
        .build());
    net.init();
    // a random selector, so the groups' weights differ and top-k has choices to make
    for (int b = 0; b < 2; b++) {
      INDArray aOut = net.getLayer(TransformerStack.ffnName(b)).getParam(NpFfn.A_OUT);
      aOut.assign(TestNets.gaussianLike(aOut, 10 + b));
    }
    return net;
  }

  private static double[] load(ComputationGraph net, int block) {
    return ((NpFfnLayer) net.getLayer(TransformerStack.ffnName(block))).lastUsage().orElseThrow().load();
  }

  @Test
  void topKIsSetOnEveryNpLayerAndZeroTurnsItOff() {
    ComputationGraph net = twoNpBlocks();
    INDArray ids = TestNets.randomIds(new Random(4), B, T, 11).castTo(DataType.DOUBLE);
    INDArray dense = net.outputSingle(ids).dup();

    assertEquals(2, NpInference.setTopK(net, 1, true));
    INDArray top1 = net.outputSingle(ids).dup();
    assertNotEquals(dense, top1);
    for (int b = 0; b < 2; b++) {
      assertEquals(B * T, Arrays.stream(load(net, b)).sum(), 1e-9, "block " + b + ": one group per token");
    }
    // k outside [0, M] names the layer and changes no layer: top-1 still holds
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NpInference.setTopK(net, GROUPS + 1, true));
    assertTrue(e.getMessage().contains("topK = 5") && e.getMessage().contains("groups = 4"), e.getMessage());
    assertEquals(top1, net.outputSingle(ids));

    assertEquals(2, NpInference.setTopK(net, 0, false));
    assertEquals(dense, net.outputSingle(ids));
  }

  @Test
  void contextDonorsAreSetOnEveryNpLayerAndNullTurnsThemOff() {
    ComputationGraph net = twoNpBlocks();
    INDArray ids = TestNets.randomIds(new Random(5), B, T, 11).castTo(DataType.DOUBLE);
    INDArray own = net.outputSingle(ids).dup();
    assertEquals(2, NpInference.setContextDonors(net, new int[] {1, 2, 0}));
    assertNotEquals(own, net.outputSingle(ids));
    NpInference.setContextDonors(net, null);
    assertEquals(own, net.outputSingle(ids));
  }

  @Test
  void theSettingsAreNotSavedWithTheModel() throws Exception {
    ComputationGraph net = twoNpBlocks();
    INDArray ids = TestNets.randomIds(new Random(6), B, T, 11).castTo(DataType.DOUBLE);
    INDArray dense = net.outputSingle(ids).dup();
    NpInference.setTopK(net, 1, true);
    NpInference.setContextDonors(net, new int[] {2, 0, 1});
    File file = Files.createTempFile("npffn-np-inference", ".zip").toFile();
    try {
      ModelSerializer.writeModel(net, file, false);
      ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, false);
      assertEquals(dense, restored.outputSingle(ids), "a restored model starts dense, with its own context");
    } finally {
      Files.deleteIfExists(file.toPath());
    }
  }
}
