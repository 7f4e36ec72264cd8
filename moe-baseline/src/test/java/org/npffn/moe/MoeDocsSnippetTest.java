package org.npffn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.UsageListener;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.routing.Overflow;

/** The ComputationGraph snippet of docs/moe.md, kept compiling and running. */
class MoeDocsSnippetTest {

  @Test
  void snippetFromDocsBuildsTrainsAndReportsUsage() {
    // --- docs/moe.md snippet begins
    ComputationGraphConfiguration conf = new TransformerStack()
        .vocabSize(256).width(64).blocks(2).heads(4).maxLength(32)
        .ffn((block, d) -> block % 2 == 0
            ? new DenseFfn.Builder().hidden(4 * d).build()          // dense in even blocks
            : new MoeFfn.Builder().nExperts(8).topK(2).expertHidden(2 * d)   // k·d_e = 4d: FLOP-matched
                .auxLossWeight(0.01)                                // Switch load-balancing loss
                .zLossWeight(0.001)                                 // ST-MoE router z-loss
                .capacityFactor(1.25).overflow(Overflow.NEXT_BEST)  // expert capacity
                .build())
        .base(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)))
        .build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    UsageListener usage = new UsageListener(10);    // per-layer load statistics after every step
    net.setListeners(usage);
    // --- docs/moe.md snippet ends

    Random rng = new Random(5);
    for (int i = 0; i < 3; i++) {
      INDArray ids = TestNets.randomIds(rng, 4, 32, 256).castTo(DataType.FLOAT);
      net.fit(new MultiDataSet(ids, TestNets.randomLabels(rng, RNNFormat.NWC, 4, 256, 32).castTo(DataType.FLOAT)));
    }
    List<UsageSnapshot> history = usage.history().get(TransformerStack.ffnName(1));
    assertEquals(3, history.size(), "one snapshot per step for the MoE block; none for dense blocks");
    assertEquals(1, usage.history().size());
    UsageSnapshot last = history.get(2);
    assertEquals(4 * 32, last.tokens());
    assertEquals(8, last.units());
    // the snapshot's own bookkeeping: each of the k·N choices is kept or dropped, no expert holds more than
    // its capacity ⌈1.25·k·N/E⌉ = 40, and P_i, a mean of softmax probabilities, sums to 1 over the experts
    double[] load = last.load();
    assertEquals(2 * 4 * 32, java.util.Arrays.stream(load).sum() + last.droppedSlots(), 1e-9, "kept + dropped");
    assertTrue(java.util.Arrays.stream(load).max().orElseThrow() <= 40, java.util.Arrays.toString(load));
    assertEquals(1.0, java.util.Arrays.stream(last.meanGate()).sum(), 1e-9, "Σ_i P_i");
    assertTrue(Double.isFinite(last.scalar("router_z")));
  }
}
