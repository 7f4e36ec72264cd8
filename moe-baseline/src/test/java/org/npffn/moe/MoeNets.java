package org.npffn.moe;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.TestNets;
import org.npffn.stack.layers.SequenceLayerConf;

/** MoE layers in a one-layer graph, called directly (NWC, double precision). */
final class MoeNets {
  private MoeNets() {}

  static ComputationGraph graph(SequenceLayerConf conf, long width, long length, long seed) {
    NeuralNetConfiguration.Builder base = TestNets.gradientCheckBase(seed);
    ComputationGraph net = TestNets.singleLayer(base, conf, width, length, 3);
    net.initGradientsView();
    return net;
  }

  static Layer layer(SequenceLayerConf conf, long width, long length, long seed) {
    return graph(conf, width, length, seed).getLayer("layer");
  }

  static INDArray forward(Layer layer, INDArray x, INDArray mask, boolean training) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setMaskArray(mask);
    layer.setInput(x, mgr);
    return layer.activate(training, mgr);
  }

  static Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> backward(Layer layer, INDArray dy) {
    return layer.backpropGradient(dy, LayerWorkspaceMgr.noWorkspaces());
  }
}
