package org.npffn.stack.decoding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.primitives.Longs;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.norm.SequenceNorm;

/**
 * DL4J's own stepping calls on networks of the stack's layers: rnnTimeStep is exact (never a stateless
 * one-token output), the state can be read, restored and cleared with DL4J's calls, and misuse is refused by
 * name. The exactness of every FFN kind and option is FfnContract's stepping property.
 */
class RnnTimeStepTest {
  private static final int VOCAB = 9;
  private static final int T = 6;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static ComputationGraph stack(WorkspaceMode workspaces) {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(VOCAB).width(8).heads(2).blocks(2)
        .maxLength(T).base(TestNets.gradientCheckBase(4).trainingWorkspaceMode(workspaces)
            .inferenceWorkspaceMode(workspaces)).build());
    net.init();
    net.params().addi(TestNets.gaussianLike(net.params(), 6).muli(0.5));
    return net;
  }

  private static INDArray token(INDArray ids, int t) {
    return ids.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1)).reshape(ids.size(0), 1, 1);
  }

  private static INDArray at(INDArray out, int t) {
    return out.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all());
  }

  @Test
  void computationGraphRnnTimeStepEqualsTheFullForwardWithWorkspacesOn() {
    ComputationGraph net = stack(WorkspaceMode.ENABLED);
    INDArray ids = TestNets.randomIds(new Random(1), 2, T, VOCAB);
    INDArray full = net.outputSingle(ids).dup();
    for (int repeat = 0; repeat < 3; repeat++) {
      net.rnnClearPreviousState();
      for (int t = 0; t < T; t++) {
        INDArray y = net.rnnTimeStep(token(ids, t))[0]; //                              [B, 1, V]
        double diff = y.reshape(2, VOCAB).sub(at(full, t)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-12, "repeat " + repeat + " t = " + t + ": " + diff);
      }
    }
  }

  @Test
  void aSavedStateForksTheSameContinuationAndClearingStartsOver() {
    ComputationGraph net = stack(WorkspaceMode.ENABLED);
    INDArray ids = TestNets.randomIds(new Random(2), 1, T, VOCAB);
    IncrementalDecoder d = IncrementalDecoder.of(net);
    d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).dup());
    Map<String, Map<String, INDArray>> saved = d.state();
    INDArray a = d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 4)).dup()).dup();
    d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 6)).dup());
    d.restore(saved);
    assertEquals(a, d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 4)).dup()));
    d.reset();
    INDArray first = d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).dup());
    assertEquals(at(net.outputSingle(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).dup()), 0),
        first.reshape(1, VOCAB));
  }

  @Test
  void misuseIsRefusedNamingTheLayer() {
    ComputationGraph net = stack(WorkspaceMode.NONE);
    IncrementalDecoder d = IncrementalDecoder.of(net);
    d.step(TestNets.randomIds(new Random(3), 2, 4, VOCAB));
    IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
        () -> d.step(TestNets.randomIds(new Random(3), 3, 1, VOCAB)));
    assertTrue(batch.getMessage().contains("batch of 3 sequences but the stored state holds 2"), batch.getMessage());
    d.reset();
    d.step(TestNets.randomIds(new Random(3), 1, 4, VOCAB));
    IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
        () -> d.step(TestNets.randomIds(new Random(3), 1, 3, VOCAB)));
    assertTrue(past.getMessage().contains("layer name: embed")
        && past.getMessage().contains("4 tokens stepped plus 3 new ones pass maxLength = 6"),
        past.getMessage());
    RecurrentLayer attention = (RecurrentLayer) net.getLayer(TransformerStack.attentionName(0));
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
        () -> attention.rnnSetPreviousState(Map.of("kv", TestNets.randomIds(new Random(1), 1, 1, 2))));
    assertTrue(key.getMessage().contains("layer name: block0.attn")
        && key.getMessage().contains("rnnSetPreviousState got key 'kv'"), key.getMessage());
    UnsupportedOperationException tbptt = assertThrows(UnsupportedOperationException.class,
        () -> attention.rnnActivateUsingStoredState(null, true, true, LayerWorkspaceMgr.noWorkspaces()));
    assertTrue(tbptt.getMessage().contains("layer name: block0.attn")
        && tbptt.getMessage().contains("truncated BPTT is not supported"), tbptt.getMessage());
  }

  @Test
  void multiLayerNetworkStepsExactlyToo() {
    MultiLayerConfiguration conf = TestNets.gradientCheckBase(5).list()
        .layer(new TokenPositionEmbedding.Builder().vocabSize(VOCAB).width(8).maxLength(T)
            .dataFormat(RNNFormat.NWC).build())
        .layer(new SequenceNorm.Builder().dataFormat(RNNFormat.NWC).build())
        .layer(new CausalSelfAttention.Builder().nHeads(2).dataFormat(RNNFormat.NWC).build())
        .layer(new DenseFfn.Builder().hidden(12).dataFormat(RNNFormat.NWC).build())
        .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
            .nOut(VOCAB).dataFormat(RNNFormat.NWC).build())
        .setInputType(InputType.recurrent(1, T, RNNFormat.NCW)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.params().addi(TestNets.gaussianLike(net.params(), 8).muli(0.5));
    INDArray ids = TestNets.randomIds(new Random(4), 3, T, VOCAB);
    INDArray mask = TestNets.leftPaddedMask(T, T, 2, 4);
    INDArray full = net.output(ids, false, mask, null).dup();
    IncrementalDecoder d = IncrementalDecoder.of(net);
    for (int t = 0; t < T; t++) {
      INDArray y = d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1)).dup(),
          mask.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1)).dup());
      for (int b = 0; b < 3; b++) {
        if (mask.getDouble(b, t) == 1) {
          double diff = y.get(NDArrayIndex.point(b), NDArrayIndex.point(0)).sub(full.get(NDArrayIndex.point(b),
              NDArrayIndex.point(t))).amaxNumber().doubleValue();
          assertTrue(diff < 1e-12, "b = " + b + ", t = " + t + ": " + diff);
        }
      }
    }
  }

  /**
   * Regression test for the KV cache's buffers (KvCache): stepping far past their first room of 64 positions (so
   * they grow twice), with a left-padded batch, in steps of 1 to 3 tokens, still gives the full forward; a state
   * saved mid-way and put back continues the same; the state handed out holds exactly the positions stepped.
   */
  @Test
  void aCacheThatOutgrowsItsBuffersStaysExact() {
    int length = 150;
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(VOCAB).width(8).heads(2).blocks(2)
        .maxLength(length).base(TestNets.gradientCheckBase(4)).build());
    net.init();
    net.params().addi(TestNets.gaussianLike(net.params(), 9).muli(0.5));
    INDArray ids = TestNets.randomIds(new Random(5), 2, length, VOCAB);
    INDArray mask = TestNets.leftPaddedMask(length, length, length - 3);
    INDArray full = net.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0].dup();
    IncrementalDecoder d = IncrementalDecoder.of(net);
    Map<String, Map<String, INDArray>> saved = null;
    INDArray afterSaved = null;
    int from = 0;
    for (int chunk = 0; from < length; chunk++) {
      int to = Math.min(length, from + 1 + chunk % 3);
      INDArray y = d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup(),
          mask.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup());
      for (int t = from; t < to; t++) {
        for (int b = 0; b < 2; b++) {
          if (mask.getDouble(b, t) == 1) {
            double diff = y.get(NDArrayIndex.point(b), NDArrayIndex.point(t - from)).sub(
                full.get(NDArrayIndex.point(b), NDArrayIndex.point(t))).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, "b = " + b + ", t = " + t + ": " + diff);
          }
        }
      }
      if (saved != null && afterSaved == null) {
        afterSaved = y.dup();
        d.restore(saved);
        assertEquals(afterSaved, d.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup(),
            mask.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup()));
      }
      if (saved == null && to > 100) {
        saved = d.state();
        assertEquals(List.of(2L, 2L, (long) to, 4L),
            Longs.asList(saved.get(TransformerStack.attentionName(1)).get("keys").shape()));
      }
      from = to;
    }
  }
}
