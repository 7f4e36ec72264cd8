package org.npffn.stack.norm;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link SequenceNorm} on rows [N, C]. The forward keeps x̂ [N, C] and 1/σ [N, 1] for
 * the backward.
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
    if (c.getKind() == NormKind.LAYER) {
      // xc = x - mean(x); rstd = 1 / sqrt(mean(xc²) + eps)
      xhat.assign(x).subiColumnVector(x.mean(true, 1));
      rstd.assign(Transforms.pow(xhat, 2, true).mean(true, 1));
    } else {
      // rstd = 1 / sqrt(mean(x²) + eps)
      xhat.assign(x);
      rstd.assign(Transforms.pow(x, 2, true).mean(true, 1));
    }
    Transforms.pow(rstd.addi(c.getEps()), -0.5, false);
    xhat.muliColumnVector(rstd); //                                              x̂
    INDArray y = buffers.get("y", dt, n, c.getNIn());
    y.assign(xhat).muliRowVector(params.get(SequenceNorm.GAIN)); //               y = g ⊙ x̂ (+ b)
    if (c.getKind() == NormKind.LAYER) {
      y.addiRowVector(params.get(SequenceNorm.BIAS));
    }
    return y;
  }

  @Override
  protected INDArray backwardRows(INDArray dy, Map<String, INDArray> gradViews) {
    SequenceNorm c = layerConf();
    DataType dt = dy.dataType();
    long n = dy.size(0);
    INDArray xhat = buffers.get("xhat", dt, n, c.getNIn());
    INDArray rstd = buffers.get("rstd", dt, n, 1);
    // forward was y = g ⊙ x̂ + b: dg = sum_rows dy ⊙ x̂, db = sum_rows dy, dx̂ = dy ⊙ g
    INDArray dxhat = buffers.get("dxhat", dt, n, c.getNIn());
    dxhat.assign(dy).muli(xhat);
    ColumnSums.into(dxhat, gradViews.get(SequenceNorm.GAIN), buffers);
    if (c.getKind() == NormKind.LAYER) {
      ColumnSums.into(dy, gradViews.get(SequenceNorm.BIAS), buffers);
    }
    dxhat.assign(dy).muliRowVector(params.get(SequenceNorm.GAIN));
    // forward was x̂ = (x - μ)·rstd (LayerNorm) or x·rstd (RMSNorm):
    //   dx = rstd ⊙ (dx̂ - mean(dx̂) - x̂ ⊙ mean(dx̂ ⊙ x̂))   (LayerNorm)
    //   dx = rstd ⊙ (dx̂ - x̂ ⊙ mean(dx̂ ⊙ x̂))              (RMSNorm)
    INDArray proj = dxhat.mul(xhat).mean(true, 1); //                              [N, 1]
    INDArray dx = buffers.get("dx", dt, n, c.getNIn());
    dx.assign(xhat).muliColumnVector(proj).rsubi(dxhat);
    if (c.getKind() == NormKind.LAYER) {
      dx.subiColumnVector(dxhat.mean(true, 1));
    }
    return dx.muliColumnVector(rstd);
  }

  /** Each token is normalised on its own: a step is the ordinary forward on the new tokens. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }
}
