package org.npffn.stack.output;

import com.google.common.base.Preconditions;
import java.util.Collection;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayerConf;

/**
 * The language-model head: per token, p = softmax(x W + b) over nOut classes, trained with the cross-entropy
 * -Σ_j y_j log p_j against the labels, as DL4J's RnnOutputLayer with MCXENT and SOFTMAX: the same score (the loss
 * summed over the unmasked tokens, divided by the minibatch B) and the same gradient, (p·Σy - y) per unmasked
 * token. It computes the softmax, the loss and the logits' gradient in one pass per token row and keeps one
 * [N, nOut] array for it, where RnnOutputLayer computed the logits and the softmax again for the score and kept
 * several [N, nOut] arrays; the log-probabilities are exact (no clipping of p).
 *
 * <p>Parameters "W" [C, nOut] and "b" [1, nOut], the keys of DL4J's output layers.
 */
public class SequenceSoftmaxOutput extends SequenceLayerConf {
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";

  private SequenceSoftmaxOutput() {}

  private SequenceSoftmaxOutput(Builder b) {
    super(b);
    Preconditions.checkArgument(nOut > 0, "%s: nOut = %s must be positive", describe(), nOut);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
    Preconditions.checkArgument(nOut > 0, "%s: nOut = %s must be positive", describe(), nOut);
  }

  /** The output has nOut classes per token, not the input's width. */
  @Override
  protected boolean preservesWidth() {
    return false;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new SequenceSoftmaxOutputLayer(conf, dataType), conf, listeners, layerIndex, params,
        initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return SequenceSoftmaxOutputParams.INSTANCE;
  }

  /** Builder: nOut, the number of classes, is required; the width comes from the input. */
  public static class Builder extends SequenceLayerConf.Builder<Builder> {
    @Override
    @SuppressWarnings("unchecked")
    public SequenceSoftmaxOutput build() {
      return new SequenceSoftmaxOutput(this);
    }
  }
}
