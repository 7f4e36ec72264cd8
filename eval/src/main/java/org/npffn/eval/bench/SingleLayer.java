package org.npffn.eval.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.layers.SequenceLayerConf;

/** A layer instantiated the way a network does it (NWC), to time it on its own and to check what it computes. */
final class SingleLayer {
  private SingleLayer() {}

  /** The layer of {@code conf} in float32, as the bench times it. */
  static Layer instantiate(SequenceLayerConf conf, long width, long length) {
    return instantiate(conf, width, length, DataType.FLOAT);
  }

  static Layer instantiate(SequenceLayerConf conf, long width, long length, DataType dataType) {
    return network(conf, width, length, dataType).getLayer("layer");
  }

  /** The one-layer network ("layer", then an MSE loss) the layer lives in, for network-wide settings. */
  static ComputationGraph network(SequenceLayerConf conf, long width, long length, DataType dataType) {
    conf.setDataFormat(RNNFormat.NWC);
    ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
        .dataType(dataType).graphBuilder().addInputs("x").addLayer("layer", conf, "x")
        .addLayer("loss", new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
            .dataFormat(RNNFormat.NWC).build(), "layer")
        .setOutputs("loss").setInputTypes(InputType.recurrent(width, length, RNNFormat.NWC)).build());
    net.init();
    net.initGradientsView(); // normally done on the first fit; the layer's backward writes into these views
    return net;
  }

  /** activate (training) then backpropGradient on {@code x} and {@code dy}, as DL4J calls them. */
  static Map<String, INDArray> trainingStep(Layer layer, INDArray x, INDArray dy) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray y = layer.activate(true, mgr);
    return results(y, layer.backpropGradient(dy, mgr));
  }

  /**
   * What a training step computed, by name: "y" the output, "dx" the input gradient, "d" + key each parameter
   * gradient. The arrays are the layer's own (views), valid until its next step.
   */
  static Map<String, INDArray> results(INDArray y, Pair<Gradient, INDArray> backward) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", y);
    out.put("dx", backward.getSecond());
    backward.getFirst().gradientForVariable().forEach((key, g) -> out.put("d" + key, g));
    return out;
  }
}
