import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.np.*;
import org.npffn.stack.ffn.*;
import org.npffn.stack.layers.SequenceLayerConf;
import java.util.concurrent.*;

/**
 * One training step of the dense FFN and of the NP layer (N = 4096, T = 128) whole with BLAS on two threads,
 * against two layer instances on 16 sequences each, run on two workers with single-threaded BLAS: the
 * measurement behind SequenceBlocks.
 */
public class Halves {
  static Layer inst(SequenceLayerConf conf) {
    conf.setDataFormat(RNNFormat.NWC);
    ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
        .dataType(DataType.FLOAT).graphBuilder().addInputs("x").addLayer("layer", conf, "x")
        .addLayer("loss", new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
            .dataFormat(RNNFormat.NWC).build(), "layer")
        .setOutputs("loss").setInputTypes(InputType.recurrent(256, 128, RNNFormat.NWC)).build());
    net.init(); net.initGradientsView();
    return net.getLayer("layer");
  }
  static double step(Layer l, INDArray x, INDArray dy) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    l.setInput(x, mgr); INDArray y = l.activate(true, mgr);
    return y.getDouble(0,0,0) + l.backpropGradient(dy, mgr).getSecond().getDouble(0,0,0);
  }
  static SequenceLayerConf conf(boolean np) {
    if (np) return new NpFfn.Builder().hidden(1024).groups(8).contextWidth(64).contextMode(ContextMode.TRANSITION).build();
    return new DenseFfn.Builder().hidden(1024).build();
  }
  public static void main(String[] a) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    for (boolean np : new boolean[]{false, true}) {
      Layer whole = inst(conf(np)); Layer h1 = inst(conf(np)), h2 = inst(conf(np));
      INDArray x = Nd4j.randn(DataType.FLOAT, 32, 128, 256), dy = Nd4j.randn(DataType.FLOAT, 32, 128, 256).muli(1e-3);
      INDArray x1 = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,16)).dup(), x2 = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(16,32)).dup();
      INDArray d1 = dy.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,16)).dup(), d2 = dy.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(16,32)).dup();
      long end = System.nanoTime() + 8_000_000_000L;
      while (System.nanoTime() < end) { Nd4j.factory().blas().setMaxThreads(2); step(whole, x, dy); Nd4j.factory().blas().setMaxThreads(1); step(h1,x1,d1); step(h2,x2,d2);}      
      double[] tw = new double[20], tp = new double[20];
      for (int i = 0; i < 20; i++) {
        Nd4j.factory().blas().setMaxThreads(2);
        long t0 = System.nanoTime(); step(whole, x, dy); tw[i] = (System.nanoTime()-t0)/1e6;
        Nd4j.factory().blas().setMaxThreads(1);
        t0 = System.nanoTime();
        Future<Double> f = pool.submit(() -> step(h2, x2, d2));
        step(h1, x1, d1); f.get();
        tp[i] = (System.nanoTime()-t0)/1e6;
      }
      java.util.Arrays.sort(tw); java.util.Arrays.sort(tp);
      System.out.printf("%s whole (2 BLAS threads) %.1f ms, two halves on two workers %.1f ms%n", np ? "np" : "dense", tw[10], tp[10]);
    }
    pool.shutdown();
  }
}
