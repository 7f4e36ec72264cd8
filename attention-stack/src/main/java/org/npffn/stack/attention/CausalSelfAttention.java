package org.npffn.stack.attention;

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

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017, eq. 1) with a causal mask, a fused
 * QKV projection and an output projection. Key-padding masks come from DL4J's [B, T] mask arrays.
 *
 * <p>The head size is hs = C / nh, so nHeads must divide the width.
 */
public class CausalSelfAttention extends SequenceLayerConf {
  public static final String W_QKV = "Wqkv";
  public static final String B_QKV = "bqkv";
  public static final String W_OUT = "Wo";
  public static final String B_OUT = "bo";

  private int nHeads;
  private boolean causal = true;

  private CausalSelfAttention() {}

  private CausalSelfAttention(Builder b) {
    super(b);
    this.nHeads = b.set.nHeads;
    this.causal = b.set.causal;
    Preconditions.checkArgument(nHeads > 0, "%s: nHeads = %s must be positive", describe(), nHeads);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
    if (nIn > 0) {
      validate();
    }
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
    Preconditions.checkArgument(nIn % nHeads == 0, "%s: nHeads = %s does not divide the width nIn = %s",
        describe(), nHeads, nIn);
    nOut = nIn;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new CausalSelfAttentionLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return CausalSelfAttentionParams.INSTANCE;
  }

  /** hs, the width of one head. */
  public long headSize() {
    return nIn / nHeads;
  }

  public int getNHeads() {
    return nHeads;
  }

  public void setNHeads(int nHeads) {
    this.nHeads = nHeads;
  }

  public boolean isCausal() {
    return causal;
  }

  public void setCausal(boolean causal) {
    this.causal = causal;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof CausalSelfAttention a && nHeads == a.nHeads && causal == a.causal;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), nHeads, causal);
  }

  /** Builder; nHeads is required, the width comes from the input. */
  public static class Builder extends SequenceLayerConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final CausalSelfAttention set = new CausalSelfAttention();

    public Builder nHeads(int nHeads) {
      set.nHeads = nHeads;
      return this;
    }

    /** Causal (each position sees itself and the past; the default) or bidirectional. */
    public Builder causal(boolean causal) {
      set.causal = causal;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public CausalSelfAttention build() {
      return new CausalSelfAttention(this);
    }
  }
}
