package org.npffn.stack.norm;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayerConf;

/** LayerNorm or RMSNorm over the feature axis of each token of a sequence, with a learned gain (and bias). */
public class SequenceNorm extends SequenceLayerConf {
  public static final String GAIN = "g";
  public static final String BIAS = "b";

  private NormKind kind = NormKind.LAYER;
  private double eps = 1e-5;

  private SequenceNorm() {}

  private SequenceNorm(Builder b) {
    super(b);
    this.kind = b.set.kind;
    this.eps = b.set.eps;
    Preconditions.checkArgument(eps > 0 && Double.isFinite(eps), "%s: eps = %s must be positive", describe(), eps);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
    this.nOut = nIn;
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new SequenceNormLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return SequenceNormParams.INSTANCE;
  }

  public NormKind getKind() {
    return kind;
  }

  public void setKind(NormKind kind) {
    this.kind = kind;
  }

  public double getEps() {
    return eps;
  }

  public void setEps(double eps) {
    this.eps = eps;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof SequenceNorm n && kind == n.kind && eps == n.eps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), kind, eps);
  }

  /** Builder; the width comes from the input. */
  public static class Builder extends SequenceLayerConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final SequenceNorm set = new SequenceNorm();

    public Builder kind(NormKind kind) {
      set.kind = Preconditions.checkNotNull(kind, "kind");
      return this;
    }

    /** Added to the variance (or mean square) before the square root. */
    public Builder eps(double eps) {
      set.eps = eps;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public SequenceNorm build() {
      return new SequenceNorm(this);
    }
  }
}
