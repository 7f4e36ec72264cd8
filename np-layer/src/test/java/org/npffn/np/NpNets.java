package org.npffn.np;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.TestNets;

/** NP layers in one-layer graphs (double precision), with the zero-started selector made random. */
final class NpNets {
  private NpNets() {}

  static ComputationGraph graph(NpFfn conf, long width, long length, long seed, boolean randomSelector) {
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), conf, width, length, 3);
    net.initGradientsView();
    if (randomSelector) {
      Layer layer = net.getLayer("layer");
      Random rng = new Random(seed);
      for (String key : new String[] {NpFfn.A_OUT, NpFfn.FILM, NpFfn.DECAY, NpFfn.PRIOR}) {
        if (layer.paramTable().containsKey(key)) {
          INDArray p = layer.getParam(key);
          p.assign(Nd4j.rand(p.dataType(), p.shape()).subi(0.5).muli(2));
        }
      }
    }
    return net;
  }

  static INDArray forward(Layer layer, INDArray x, INDArray mask, boolean training) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setMaskArray(mask);
    layer.setInput(x, mgr);
    return layer.activate(training, mgr);
  }
}
