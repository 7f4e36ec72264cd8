package org.npffn.stack.norm;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link SequenceNorm} on rows [N, C], one pass per row each way ({@link NormRows}). The
 * forward keeps x̂ [N, C] and 1/σ [N, 1] for the backward.
 */
public class SequenceNormLayer extends SequenceLayer<SequenceNorm> {

  public SequenceNormLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Each token is normalised on its own: a training step may run in blocks of sequences (SequenceBlocks). */
  @Override
  protected boolean sequencesIndependent() {
    return true;
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    SequenceNorm c = layerConf();
    INDArray x = in.x(); //                                                    [N, C]
    DataType dt = x.dataType();
    long n = in.tokens();
    INDArray xhat = buffers.get("xhat", dt, n, c.getNIn()); //                  [N, C]
    INDArray rstd = buffers.get("rstd", dt, n, 1); //                           [N, 1]
    INDArray y = buffers.get("y", dt, n, c.getNIn()); //                        y = g ⊙ x̂ (+ b)
    NormRows.forward(x, params.get(SequenceNorm.GAIN), bias(), c.getKind(), c.getEps(), xhat, rstd, y);
    return y;
  }

  @Override
  protected INDArray backwardRows(INDArray dy, Map<String, INDArray> gradViews) {
    SequenceNorm c = layerConf();
    DataType dt = dy.dataType();
    long n = dy.size(0);
    INDArray dx = buffers.get("dx", dt, n, c.getNIn());
    NormRows.backward(c.getKind(), dy, params.get(SequenceNorm.GAIN), buffers.get("xhat", dt, n, c.getNIn()),
        buffers.get("rstd", dt, n, 1), dx, gradViews.get(SequenceNorm.GAIN),
        c.getKind() == NormKind.LAYER ? gradViews.get(SequenceNorm.BIAS) : null);
    return dx;
  }

  /** b, which only LayerNorm has. */
  private INDArray bias() {
    return layerConf().getKind() == NormKind.LAYER ? params.get(SequenceNorm.BIAS) : null;
  }

  /** Each token is normalised on its own: a step is the ordinary forward on the new tokens. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }
}
