package org.npffn.np;

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
import org.npffn.stack.ffn.UsageListener;
import org.npffn.stack.ffn.UsageSnapshot;

/** The snippet of docs/np-layer.md, kept compiling and running, and the statistics it reports. */
class NpDocsSnippetTest {

  @Test
  void snippetFromDocsTrainsAndReportsStatistics() {
    // --- docs/np-layer.md snippet begins
    ComputationGraphConfiguration conf = new TransformerStack()
        .vocabSize(256).width(64).blocks(2).heads(4).maxLength(32)
        .ffn((block, d) -> new NpFfn.Builder()
            .hidden(4 * d).groups(8)                    // M = 8 sub-networks of h/M units
            .contextWidth(32)                           // r, the width of the context summary
            .contextMode(ContextMode.TRANSITION)        // context points are (h_{i-1}, h_i) pairs
            .build())
        .base(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)))
        .build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    UsageListener usage = new UsageListener(10);
    net.setListeners(usage);
    // at inference, keep each token's top-2 groups and skip the rest:
    // NpInference.setTopK(net, 2, true);
    // --- docs/np-layer.md snippet ends

    Random rng = new Random(6);
    INDArray ids = TestNets.randomIds(rng, 4, 32, 256).castTo(DataType.FLOAT);
    net.fit(new MultiDataSet(ids, TestNets.randomLabels(rng, RNNFormat.NWC, 4, 256, 32).castTo(DataType.FLOAT)));
    List<UsageSnapshot> history = usage.history().get(TransformerStack.ffnName(0));
    assertEquals(1, history.size());
    UsageSnapshot s = history.get(0);
    assertEquals(8, s.units());
    assertEquals(8.0, s.scalar("effective_groups"), 1e-3, "A2 starts at zero: α is uniform");
    assertEquals(0.0, s.scalar("specialisation"), 1e-3);
    assertEquals(0.0, s.scalar("dead_groups"));
    assertTrue(Double.isNaN(s.scalar("context_reliance")), "measured in inference passes only");
    NpFfnLayer dense = (NpFfnLayer) net.getLayer(TransformerStack.ffnName(1));
    net.output(ids);
    assertTrue(dense.lastUsage().orElseThrow().scalar("context_reliance") > 0);

    NpFfnLayer layer = (NpFfnLayer) net.getLayer(TransformerStack.ffnName(0));
    layer.setInferenceTopK(2, true);
    net.output(ids);
    UsageSnapshot top2 = layer.lastUsage().orElseThrow();
    assertEquals(2.0 * 4 * 32, java.util.Arrays.stream(top2.load()).sum(), 1e-9);
    // loads count tokens (not summed α), and a token takes a group at most once
    for (double l : top2.load()) {
      assertTrue(l == Math.rint(l) && l <= 4 * 32, top2.toString());
    }
    assertEquals(1.0, java.util.Arrays.stream(top2.meanGate()).sum(), 1e-9, "p̄ = mean_t α_t sums to 1");
  }
}
