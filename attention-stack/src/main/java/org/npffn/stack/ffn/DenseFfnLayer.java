package org.npffn.stack.ffn;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;

/** Implementation of {@link DenseFfn}: {@link FfnKernel} over all N token rows. */
public class DenseFfnLayer extends SequenceLayer<DenseFfn> {

  public DenseFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private FfnWeights weights(Map<String, INDArray> table) {
    return FfnWeights.from(table, DenseFfn.W1, DenseFfn.B1, DenseFfn.W2, DenseFfn.B2);
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    DenseFfn c = layerConf();
    long n = in.tokens();
    DataType dt = in.x().dataType();
    long h = c.getHidden();
    INDArray pre = buffers.get("pre", dt, n, c.getActivation().inputProjections() * h); // [N, h·p]
    INDArray hid = buffers.get("hid", dt, n, h); //                                      [N, h]
    INDArray y = buffers.get("y", dt, n, c.getNOut()); //                                 [N, C]
    FfnKernel.forward(in.x(), weights(params), c.getActivation(), pre, hid, y);
    return y;
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    DenseFfn c = layerConf();
    INDArray x = rows.x();
    INDArray dx = buffers.get("dx", x.dataType(), x.size(0), c.getNIn()); // [N, C]
    FfnKernel.backward(x, weights(params), c.getActivation(), buffers.get("pre", x.dataType(), x.size(0),
        c.getActivation().inputProjections() * c.getHidden()), buffers.get("hid", x.dataType(), x.size(0),
        c.getHidden()), dOut, weights(gradViews), dx, buffers, "");
    return dx;
  }
}
