package org.npffn.stack.contract;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/**
 * A test-only FFN kind, y = x W + b on every real token (0 on padding), that reports one-unit usage, and that
 * can be built with one deliberate {@link Flaw}. Without a flaw it passes the whole {@link FfnContract}
 * ({@code ProbeFfnContractTest}); with each flaw the check named by it must fail
 * ({@code FfnContractRejectsFlawedKindsTest}), which is how the suite shows it can fail.
 */
public class ProbeFfn extends FfnSlotConf {
  public static final String W = "W";
  public static final String B = "b";

  /** One way to break the FFN-slot contract, and the contract check that must notice. */
  public enum Flaw {
    NONE,
    /** Shape: the output of NCW input comes back as [B, T, C]. */
    OUTPUT_ALWAYS_NWC,
    /** Masking: padded positions get x W + b instead of 0. */
    NONZERO_PADDING,
    /** Causality: y_t also adds x_{t+1} W (the next position of the same sequence). */
    READS_NEXT_POSITION,
    /** Stepping: y_t also adds x_{t-1} W (causal) but the layer steps as PER_TOKEN, keeping no x_{t-1}. */
    READS_PREVIOUS_POSITION,
    /** JSON round trip: a setting that changes the function is not serialised (and not in equals). */
    SETTING_NOT_IN_JSON,
    /** ModelSerializer: a value the forward uses is counted in a Java field by each training step, not saved. */
    STATE_IN_JAVA_FIELD,
    /** Gradient check: dL/dx is 1.1 times the true value (a parameter gradient is right). */
    INPUT_GRADIENT_OFF,
    /** Gradient check: dL/dW is 1.1 times the true value. */
    WEIGHT_GRADIENT_OFF,
    /** Usage statistics: tokens count padded positions too. */
    USAGE_COUNTS_PADDING
  }

  private Flaw flaw = Flaw.NONE;
  /** Added to every real output; lost by JSON under SETTING_NOT_IN_JSON (the builder sets it to 0.25 then). */
  @JsonIgnore
  private double offset;

  private ProbeFfn() {}

  private ProbeFfn(Builder b) {
    super(b);
    this.flaw = b.flaw;
    this.offset = b.flaw == Flaw.SETTING_NOT_IN_JSON ? 0.25 : 0;
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new ProbeFfnLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return Params.INSTANCE;
  }

  @Override
  public FfnCost cost() {
    return new FfnCost(nIn * nIn + nIn, nIn * nIn + nIn, 2 * nIn * nIn);
  }

  @Override
  public List<String> residualOutputKeys() {
    return List.of(W);
  }

  public Flaw getFlaw() {
    return flaw;
  }

  public void setFlaw(Flaw flaw) {
    this.flaw = flaw;
  }

  double offset() {
    return offset;
  }

  /** Leaves out {@code offset}, as the SETTING_NOT_IN_JSON flaw wants: only the function can tell. */
  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof ProbeFfn p && flaw == p.flaw;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), flaw);
  }

  /** W [C, C] (weight init), b [1, C]. */
  static final class Params extends SpecParamInitializer {
    static final Params INSTANCE = new Params();

    @Override
    protected List<ParamSpec> specs(org.deeplearning4j.nn.conf.layers.Layer layer) {
      long d = ((ProbeFfn) layer).getNIn();
      return List.of(ParamSpec.weight(W, d, d), ParamSpec.bias(B, d));
    }
  }

  public static class Builder extends FfnSlotConf.Builder<Builder> {
    private Flaw flaw = Flaw.NONE;

    public Builder flaw(Flaw flaw) {
      this.flaw = Preconditions.checkNotNull(flaw, "flaw");
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ProbeFfn build() {
      return new ProbeFfn(this);
    }
  }
}
