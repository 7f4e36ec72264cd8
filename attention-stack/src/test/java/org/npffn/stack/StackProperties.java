package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.stack.embedding.PositionEncoding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.norm.NormKind;

/** Properties of whole transformer stacks: causality, JSON and ModelSerializer round trips. */
class StackProperties {
  private static final int VOCAB = 11;

  private static TransformerStack stack(int blocks, NormKind norm, FfnActivation act, PositionEncoding pos,
      int t, long seed) {
    return new TransformerStack().vocabSize(VOCAB).width(8).heads(2).blocks(blocks).maxLength(t).norm(norm)
        .positions(pos).ffn((block, d) -> new DenseFfn.Builder().hidden(2 * d).activation(act).build())
        .base(TestNets.gradientCheckBase(seed).dataType(DataType.DOUBLE).updater(new Adam(1e-2)));
  }

  private static ComputationGraph net(ComputationGraphConfiguration conf) {
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    return net;
  }

  @Property(tries = 25, seed = "20261124")
  void changingATokenAfterTLeavesEveryOutputUpToTUnchanged(@ForAll @IntRange(min = 1, max = 2) int blocks,
      @ForAll NormKind norm, @ForAll FfnActivation act, @ForAll PositionEncoding pos,
      @ForAll @IntRange(min = 2, max = 9) int t, @ForAll @IntRange(min = 0, max = 7) int cutSeed,
      @ForAll long seed) {
    int cut = cutSeed % (t - 1); // positions 0..cut must not see any change at cut+1..t-1
    ComputationGraph net = net(stack(blocks, norm, act, pos, t, seed).build());
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, 2, t, VOCAB).castTo(DataType.DOUBLE);
    INDArray changed = ids.dup();
    for (int j = cut + 1; j < t; j++) {
      changed.putScalar(0, j, (ids.getDouble(0, j) + 1 + rng.nextInt(VOCAB - 1)) % VOCAB);
    }
    INDArray before = net.outputSingle(ids).get(NDArrayIndex.all(), NDArrayIndex.interval(0, cut + 1));
    INDArray after = net.outputSingle(changed).get(NDArrayIndex.all(), NDArrayIndex.interval(0, cut + 1));
    assertTrue(before.equalsWithEps(after, 1e-12), "outputs up to t = " + cut + " changed");
    INDArray last = net.outputSingle(ids).get(NDArrayIndex.point(0), NDArrayIndex.point(t - 1));
    INDArray lastChanged = net.outputSingle(changed).get(NDArrayIndex.point(0), NDArrayIndex.point(t - 1));
    assertTrue(!last.equalsWithEps(lastChanged, 1e-12), "the last position must see its own change");
  }

  @Property(tries = 25, seed = "20261124")
  void configJsonRoundTripReturnsAnEqualConfig(@ForAll @IntRange(min = 1, max = 3) int blocks,
      @ForAll NormKind norm, @ForAll FfnActivation act, @ForAll PositionEncoding pos,
      @ForAll @IntRange(min = 2, max = 64) int t) {
    ComputationGraphConfiguration conf = stack(blocks, norm, act, pos, t, 1).build();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertEquals(conf.toJson(), back.toJson());
  }

  @Property(tries = 8, seed = "20261124")
  void modelSerializerRestoreGivesIdenticalOutputs(@ForAll NormKind norm, @ForAll FfnActivation act,
      @ForAll PositionEncoding pos, @ForAll long seed) throws IOException {
    int t = 6;
    ComputationGraph net = net(stack(2, norm, act, pos, t, seed).build());
    Random rng = new Random(seed);
    INDArray ids = TestNets.randomIds(rng, 3, t, VOCAB).castTo(DataType.DOUBLE);
    INDArray labels = TestNets.randomLabels(rng, org.deeplearning4j.nn.conf.RNNFormat.NWC, 3, VOCAB, t);
    net.fit(new MultiDataSet(ids, labels)); // moves the weights off their init and fills the updater state
    File file = Files.createTempFile("npffn-stack", ".zip").toFile();
    try {
      ModelSerializer.writeModel(net, file, true);
      ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
      assertEquals(net.params(), restored.params());
      assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
      assertEquals(net.outputSingle(ids), restored.outputSingle(ids));
    } finally {
      Files.deleteIfExists(file.toPath());
    }
  }
}
