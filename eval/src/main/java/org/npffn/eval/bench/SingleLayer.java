package org.npffn.eval.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.layers.SequenceLayerConf;

/** A layer instantiated the way a network does it (NWC, float32), to time it on its own. */
final class SingleLayer {
  private SingleLayer() {}

  static Layer instantiate(SequenceLayerConf conf, long width, long length) {
    conf.setDataFormat(RNNFormat.NWC);
    ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
        .dataType(DataType.FLOAT).graphBuilder().addInputs("x").addLayer("layer", conf, "x")
        .addLayer("loss", new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
            .dataFormat(RNNFormat.NWC).build(), "layer")
        .setOutputs("loss").setInputTypes(InputType.recurrent(width, length, RNNFormat.NWC)).build());
    net.init();
    net.initGradientsView(); // normally done on the first fit; the layer's backward writes into these views
    return net.getLayer("layer");
  }
}
