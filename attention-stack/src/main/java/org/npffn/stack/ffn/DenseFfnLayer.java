package org.npffn.stack.ffn;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/** Implementation of {@link DenseFfn}: {@link FfnKernel} over all N token rows. */
public class DenseFfnLayer extends SequenceLayer<DenseFfn> {

  public DenseFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private FfnWeights weights(Map<String, INDArray> table) {
    return FfnWeights.from(table, DenseFfn.W1, DenseFfn.B1, DenseFfn.W2, DenseFfn.B2);
  }

  private FfnKernel.Work work(long n, org.nd4j.linalg.api.buffer.DataType dt) {
    DenseFfn c = layerConf();
    return FfnKernel.arrays(buffers, "", dt, n, c.getNIn(), c.getHidden(), c.getActivation());
  }

  /** Each token's rows are its own: a training step may run in blocks of sequences (SequenceBlocks). */
  @Override
  protected boolean sequencesIndependent() {
    return true;
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    FfnKernel.Work w = work(in.tokens(), in.x().dataType()); // pre [N, h·p], sig/hid [N, h], y [N, C]
    FfnKernel.forward(in.x(), weights(params), layerConf().getActivation(), w);
    if (rowMask != null) {
      w.y().muliColumnVector(rowMask); // padded positions give 0, as every FFN kind's do
    }
    return w.y();
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    INDArray x = rows.x();
    INDArray dx = buffers.get("dx", x.dataType(), x.size(0), layerConf().getNIn()); // [N, C]
    // forward was y = f(x) ⊙ mask; so dL/df = dy ⊙ mask
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dOut.dataType(), dOut.size(0), dOut.size(1)).assign(dOut)
          .muliColumnVector(rowMask);
    }
    FfnKernel.backward(x, weights(params), layerConf().getActivation(), work(x.size(0), x.dataType()), dy,
        weights(gradViews), dx, buffers);
    return dx;
  }

  /** Each token is transformed on its own: a step is the ordinary forward on the new tokens. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }
}
