package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Supplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.attention.CausalSelfAttentionLayer;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.norm.NormKind;
import org.npffn.stack.norm.SequenceNorm;

/**
 * A training step in blocks of sequences, one per worker (-Dnpffn.workers=2), computes what one worker
 * computes: activations, score, every gradient and the input gradient, in double precision, for every layer of
 * the stack that runs in blocks (dense FFN, attention, norms; the NP layer has its own test).
 */
class SequenceBlocksTest {
  private static final int C = 3;

  @BeforeContainer
  static void doublePrecision() {
    TestNets.useDoublePrecision();
  }

  @Property(tries = 6, seed = "20261201")
  void denseFfnInBlocksEqualsOneWorker(@ForAll FfnActivation act, @ForAll RNNFormat format,
      @ForAll @IntRange(min = 2, max = 5) int batch, @ForAll boolean masked, @ForAll long seed) {
    int t = TestNets.twoBlockLength(batch);
    Supplier<ComputationGraph> net = () -> TestNets.singleLayer(TestNets.gradientCheckBase(seed),
        new DenseFfn.Builder().hidden(5).activation(act).dataFormat(format).build(), C, t, 3);
    ComputationGraph[] nets = TestNets.assertBlocksMatchOneWorker(net, format, batch, C, t, masked, seed,
        act + ", " + format);
    ComputationGraph single = nets[0];
    ComputationGraph blocks = nets[1];
    Random rng = new Random(seed + 1);
    INDArray x = TestNets.randomSequence(rng, format, batch, C, t);

    // an inference pass runs whole; a second step with another batch size re-sizes the shards' buffers and
    // overwrites, not adds to, their gradients
    blocks.output(x);
    assertEquals(1, ((SequenceLayer<?>) blocks.getLayer("layer")).lastForwardBlocks(), "inference runs whole");
    INDArray x2 = TestNets.randomSequence(rng, format, batch + 2, C, t);
    INDArray labels2 = TestNets.randomLabels(rng, format, batch + 2, 3, t);
    assertArrayEquals(new int[] {1, 2}, TestNets.assertSameTrainingStep(single, blocks, x2, labels2, null, 1e-12));
  }

  @Property(tries = 4, seed = "20261201")
  void attentionInBlocksEqualsOneWorker(@ForAll RNNFormat format, @ForAll @IntRange(min = 2, max = 4) int batch,
      @ForAll boolean masked, @ForAll long seed) {
    int t = TestNets.twoBlockLength(batch);
    int width = 4;
    Supplier<ComputationGraph> net = () -> TestNets.singleLayer(TestNets.gradientCheckBase(seed),
        new CausalSelfAttention.Builder().nHeads(2).dataFormat(format).build(), width, t, 3);
    ComputationGraph[] nets = TestNets.assertBlocksMatchOneWorker(net, format, batch, width, t, masked, seed,
        "attention, " + format);
    // the last forward (the layer's own training step) ran in blocks: its weights come from the shards
    INDArray whole = ((CausalSelfAttentionLayer) nets[0].getLayer("layer")).attentionWeights();
    INDArray blocks = ((CausalSelfAttentionLayer) nets[1].getLayer("layer")).attentionWeights();
    assertTrue(blocks.equalsWithEps(whole, 1e-12), "attention weights");
  }

  @Property(tries = 4, seed = "20261201")
  void normInBlocksEqualsOneWorker(@ForAll NormKind kind, @ForAll RNNFormat format,
      @ForAll @IntRange(min = 2, max = 5) int batch, @ForAll boolean masked, @ForAll long seed) {
    int t = TestNets.twoBlockLength(batch);
    Supplier<ComputationGraph> net = () -> TestNets.singleLayer(TestNets.gradientCheckBase(seed),
        new SequenceNorm.Builder().kind(kind).dataFormat(format).build(), C, t, 3);
    TestNets.assertBlocksMatchOneWorker(net, format, batch, C, t, masked, seed, kind + ", " + format);
  }
}
