package org.npffn.stack.output;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link SequenceSoftmaxOutput} on rows [N, C].
 *
 * <p>DL4J trains an output layer by backpropGradient(null) from its input and the labels (it does not run its
 * forward first), then asks computeScore. The backward computes the loss on the way ({@link
 * SoftmaxCrossEntropyRows}) and keeps it for that score while the input, labels and mask it came from stand; any
 * other computeScore computes it afresh.
 */
public class SequenceSoftmaxOutputLayer extends SequenceLayer<SequenceSoftmaxOutput> implements IOutputLayer {
  private INDArray labels;
  /** The loss summed over unmasked tokens from the last backward, and what it was computed from. */
  private double lossSum = Double.NaN;
  private INDArray lossInput;
  private INDArray lossLabels;
  private INDArray lossMask;

  public SequenceSoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Each token's distribution depends on that token alone: a step is the ordinary forward on the new tokens. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    INDArray p = logits(in); //                                                 [N, V]
    Nd4j.exec(new SoftMax(p, p, 1)); //                                          p = softmax(x W + b)
    return p;
  }

  /** x W + b into the layer's one [N, V] buffer. */
  private INDArray logits(SequenceRows in) {
    INDArray z = buffers.get("z", in.x().dataType(), in.tokens(), layerConf().getNOut());
    Nd4j.gemm(in.x(), params.get(SequenceSoftmaxOutput.WEIGHT), z, false, false, 1.0, 0.0);
    return z.addiRowVector(params.get(SequenceSoftmaxOutput.BIAS));
  }

  /** Not called: {@link #backpropGradient} works from the labels, not from an epsilon. */
  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    throw new UnsupportedOperationException(layerId() + ": an output layer's backward starts from its labels");
  }

  /**
   * From the input and the labels: dz = (p·Σy - y)·m per token, then dW = xᵀ dz, db = Σ_rows dz, dx = dz Wᵀ.
   * The epsilon is ignored (DL4J passes null to an output layer).
   */
  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    SequenceRows in = lossRows(null);
    INDArray dz = buffers.get("z", in.x().dataType(), in.tokens(), layerConf().getNOut());
    INDArray x = in.x(); //                                                      [N, C]
    Map<String, INDArray> grads = gradientViews;
    Nd4j.gemm(x, dz, grads.get(SequenceSoftmaxOutput.WEIGHT), true, false, 1.0, 0.0);
    ColumnSums.into(dz, grads.get(SequenceSoftmaxOutput.BIAS), buffers);
    INDArray dx = buffers.get("dx", x.dataType(), in.tokens(), layerConf().getNIn());
    Nd4j.gemm(dz, params.get(SequenceSoftmaxOutput.WEIGHT), dx, false, true, 1.0, 0.0);
    Gradient g = new DefaultGradient(gradientsFlattened);
    for (String key : paramTable().keySet()) {
      g.setGradientFor(key, grads.get(key));
    }
    return new Pair<>(g, in.toSequence(dx, workspaceMgr, ArrayType.ACTIVATION_GRAD));
  }

  /**
   * The logits of the current input and the loss against the current labels, the logits' buffer overwritten by
   * dL/dz: returns the input rows, and keeps the loss for {@link #computeScore}.
   *
   * @param perRow out: each token's loss times its mask, or null
   */
  private SequenceRows lossRows(double[] perRow) {
    if (labels == null) {
      throw new IllegalStateException(layerId() + ": no labels set");
    }
    checkInput(input);
    SequenceRows in = toRows(input);
    SequenceRows y = SequenceRows.of(labels, layerConf().getDataFormat(), buffers, "labels.rows");
    if (y.tokens() != in.tokens() || y.width() != layerConf().getNOut()) {
      throw new IllegalArgumentException(layerId() + ": labels of " + y.tokens() + " tokens x " + y.width()
          + " classes for " + in.tokens() + " tokens x " + layerConf().getNOut() + " classes");
    }
    INDArray mask = in.rowMask(maskArray, dataType, buffers);
    double[] m = mask == null ? null : RowGather.values(mask);
    logits(in);
    INDArray z = buffers.get("z", in.x().dataType(), in.tokens(), layerConf().getNOut());
    lossSum = SoftmaxCrossEntropyRows.lossAndGradient(z, y.x(), m, perRow);
    lossInput = input;
    lossLabels = labels;
    lossMask = maskArray;
    return in;
  }

  /**
   * The loss summed over unmasked tokens, divided by the minibatch B (as DL4J's output layers), plus {@code
   * fullNetRegTerm}.
   */
  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    boolean fresh = !Double.isNaN(lossSum) && lossInput == input && lossLabels == labels && lossMask == maskArray;
    if (!fresh) {
      lossRows(null);
    }
    double sum = lossSum;
    score = (conf.isMiniBatch() ? sum / input.size(0) : sum) + fullNetRegTerm;
    return score;
  }

  /** Per sequence, its loss summed over its unmasked tokens plus {@code fullNetRegTerm}: [B, 1]. */
  @Override
  public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    double[] perRow = new double[(int) (input.length() / layerConf().getNIn())]; //  B·T tokens
    SequenceRows in = lossRows(perRow);
    double[] perSequence = new double[(int) in.batch()];
    for (int r = 0; r < perRow.length; r++) {
      perSequence[(int) (r / in.length())] += perRow[r];
    }
    for (int b = 0; b < perSequence.length; b++) {
      perSequence[b] += fullNetRegTerm;
    }
    // outside every workspace: the graph detaches the result after the layer's working memory has closed
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.create(perSequence, new long[] {in.batch(), 1}, dataType);
    }
  }

  /**
   * The forward on the new tokens: per token, so no state. The input is taken as it is: ComputationGraph steps
   * its output layers with a workspace manager whose INPUT workspace is not open (measured), where
   * {@link #setInput} would move the input into it.
   */
  @Override
  public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    this.input = input;
    lossSum = Double.NaN;
    return activate(false, workspaceMgr);
  }

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    super.setInput(input, workspaceMgr);
    lossSum = Double.NaN;
  }

  @Override
  public boolean needsLabels() {
    return true;
  }

  @Override
  public void setLabels(INDArray labels) {
    this.labels = labels;
  }

  @Override
  public INDArray getLabels() {
    return labels;
  }

  @Override
  public void clear() {
    super.clear();
    labels = null;
    lossSum = Double.NaN;
    lossInput = null;
    lossLabels = null;
    lossMask = null;
  }

  @Override
  public int numLabels() {
    return (int) layerConf().getNOut();
  }

  @Override
  public double f1Score(DataSet data) {
    throw classifierUnsupported();
  }

  @Override
  public double f1Score(INDArray examples, INDArray labels) {
    throw classifierUnsupported();
  }

  @Override
  public void fit(DataSetIterator iter) {
    throw classifierUnsupported();
  }

  @Override
  public int[] predict(INDArray examples) {
    throw classifierUnsupported();
  }

  @Override
  public List<String> predict(DataSet dataSet) {
    throw classifierUnsupported();
  }

  @Override
  public void fit(INDArray examples, INDArray labels) {
    throw classifierUnsupported();
  }

  @Override
  public void fit(DataSet data) {
    throw classifierUnsupported();
  }

  @Override
  public void fit(INDArray examples, int[] labels) {
    throw classifierUnsupported();
  }

  private UnsupportedOperationException classifierUnsupported() {
    return new UnsupportedOperationException(layerId() + ": train and evaluate through the network (fit, score, "
        + "output), not through the output layer");
  }
}
