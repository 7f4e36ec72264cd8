package org.npffn.stack.ffn;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The dense position-wise FFN of a transformer (Vaswani et al. 2017, eq. 2): y = act(x W1 + b1) W2 + b2,
 * d -> h -> d, with GELU or SwiGLU. The first FFN kind of the slot, and the reference the others are matched
 * against.
 */
public class DenseFfn extends FfnSlotConf {
  public static final String W1 = "W1";
  public static final String B1 = "b1";
  public static final String W2 = "W2";
  public static final String B2 = "b2";

  private long hidden;
  private FfnActivation activation = FfnActivation.GELU;

  private DenseFfn() {}

  private DenseFfn(Builder b) {
    super(b);
    this.hidden = b.set.hidden;
    this.activation = b.set.activation;
    Preconditions.checkArgument(hidden > 0, "%s: hidden = %s must be positive", describe(), hidden);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
    Preconditions.checkArgument(nOut >= 0, "%s: nOut = %s must be positive", describe(), nOut);
    if (nIn > 0) {
      Preconditions.checkArgument(nOut == 0 || nOut == nIn, "%s: nOut = %s must equal nIn = %s", describe(),
          nOut, nIn);
      this.nOut = nIn;
    }
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new DenseFfnLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return DenseFfnParams.INSTANCE;
  }

  @Override
  public List<String> residualOutputKeys() {
    return List.of(W2);
  }

  @Override
  public FfnCost cost() {
    long up = activation.inputProjections() * hidden;
    long params = nIn * up + up + hidden * nIn + nIn;
    // Forward: x W1 ([d] x [d, up]) and h W2 ([h] x [h, d]); 2 FLOPs per multiply-add.
    long flops = 2 * (nIn * up + hidden * nIn);
    return new FfnCost(params, params, flops);
  }

  public long getHidden() {
    return hidden;
  }

  public void setHidden(long hidden) {
    this.hidden = hidden;
  }

  public FfnActivation getActivation() {
    return activation;
  }

  public void setActivation(FfnActivation activation) {
    this.activation = activation;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof DenseFfn f && hidden == f.hidden && activation == f.activation;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), hidden, activation);
  }

  /** Builder; hidden is required, the width comes from the input. */
  public static class Builder extends FfnSlotConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final DenseFfn set = new DenseFfn();

    /** h, the hidden width (4d in GPT-2). */
    public Builder hidden(long hidden) {
      set.hidden = hidden;
      return this;
    }

    public Builder activation(FfnActivation activation) {
      set.activation = Preconditions.checkNotNull(activation, "activation");
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public DenseFfn build() {
      return new DenseFfn(this);
    }
  }
}
