package org.npffn.stack.contract;

import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.contract.ProbeFfn.Flaw;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/** Implementation of {@link ProbeFfn}: y = (x W + b) ⊙ mask on rows [N, C], with its flaw if it has one. */
class ProbeFfnLayer extends SequenceLayer<ProbeFfn> implements UsageReporting {
  private UsageSnapshot usage;
  /** STATE_IN_JAVA_FIELD: training steps seen, kept where ModelSerializer cannot see it. */
  private int steps;

  ProbeFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private Flaw flaw() {
    return layerConf().getFlaw();
  }

  @Override
  public Optional<UsageSnapshot> lastUsage() {
    return Optional.ofNullable(usage);
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    INDArray x = in.x(); //                                                        [N, C]
    INDArray w = getParam(ProbeFfn.W);
    INDArray y = x.mmul(w).addiRowVector(getParam(ProbeFfn.B)).addi(layerConf().offset()); // [N, C]
    if (flaw() == Flaw.STATE_IN_JAVA_FIELD) {
      y.addi(0.1 * steps);
    }
    if (flaw() == Flaw.READS_NEXT_POSITION) {
      // y[b, t] += x[b, t+1] W for t < T-1: row n reads row n+1 of its own sequence
      long t = in.length();
      for (long b = 0; b < in.batch(); b++) {
        if (t > 1) {
          INDArray next = x.get(NDArrayIndex.interval(b * t + 1, (b + 1) * t), NDArrayIndex.all());
          y.get(NDArrayIndex.interval(b * t, (b + 1) * t - 1), NDArrayIndex.all()).addi(next.mmul(w));
        }
      }
    }
    if (flaw() == Flaw.READS_PREVIOUS_POSITION) {
      // y[b, t] += x[b, t-1] W for t ≥ 1: row n reads row n-1 of its own sequence
      long t = in.length();
      for (long b = 0; b < in.batch(); b++) {
        if (t > 1) {
          INDArray previous = x.get(NDArrayIndex.interval(b * t, (b + 1) * t - 1), NDArrayIndex.all());
          y.get(NDArrayIndex.interval(b * t + 1, (b + 1) * t), NDArrayIndex.all()).addi(previous.mmul(w));
        }
      }
    }
    if (rowMask != null && flaw() != Flaw.NONZERO_PADDING) {
      y.muliColumnVector(rowMask);
    }
    long real = rowMask == null ? in.tokens() : rowMask.sumNumber().longValue();
    long counted = flaw() == Flaw.USAGE_COUNTS_PADDING ? in.tokens() : real;
    String name = layerConf().getLayerName() == null ? "probe" : layerConf().getLayerName();
    usage = new UsageSnapshot(name, counted, new double[] {counted}, new double[] {1.0}, 0,
        Map.of("probe_scalar", 1.0));
    return y;
  }

  /** forward was y = x W + b (masked rows 0); so dW = x^T dy, db = Σ_rows dy, dx = dy W^T. */
  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    INDArray x = rows.x();
    INDArray dy = rowMask == null ? dOut : dOut.mulColumnVector(rowMask);
    gradViews.get(ProbeFfn.W).assign(x.transpose().mmul(dy));
    gradViews.get(ProbeFfn.B).assign(dy.sum(true, 0));
    if (flaw() == Flaw.WEIGHT_GRADIENT_OFF) {
      gradViews.get(ProbeFfn.W).muli(1.1);
    }
    INDArray dx = dy.mmul(getParam(ProbeFfn.W).transpose());
    if (flaw() == Flaw.INPUT_GRADIENT_OFF) {
      dx.muli(1.1);
    }
    if (flaw() == Flaw.STATE_IN_JAVA_FIELD) {
      steps++;
    }
    return dx;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = super.activate(training, workspaceMgr);
    if (flaw() == Flaw.OUTPUT_ALWAYS_NWC && layerConf().getDataFormat() == RNNFormat.NCW) {
      return workspaceMgr.dup(ArrayType.ACTIVATIONS, out.permute(0, 2, 1), 'c');
    }
    return out;
  }

  /** The probe's (flawless) output row depends on its own input row only. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }
}
