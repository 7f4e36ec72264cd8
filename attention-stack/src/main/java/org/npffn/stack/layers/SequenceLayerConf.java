package org.npffn.stack.layers;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;

/**
 * Base config of a layer that maps a sequence [B, C, T] (NCW) or [B, T, C] (NWC) to a sequence of the same
 * length and format.
 *
 * <p>Unlike FeedForwardLayer it keeps recurrent input recurrent (no flattening preprocessor), carries its
 * data format, and checks at build time that a configured nIn matches the incoming width. A width-preserving
 * layer (attention, norms, every FFN kind) has nOut = nIn.
 */
public abstract class SequenceLayerConf extends FeedForwardLayer {

  protected RNNFormat dataFormat = RNNFormat.NCW;

  protected SequenceLayerConf() {}

  protected SequenceLayerConf(Builder<?> builder) {
    super(builder);
    this.dataFormat = builder.dataFormat;
  }

  /** "ClassName 'layerName'", the prefix of every configuration error of this layer. */
  public String describe() {
    return getClass().getSimpleName() + (getLayerName() == null ? "" : " '" + getLayerName() + "'");
  }

  /** Checks what can be checked once the width is known; throws IllegalArgumentException naming the field. */
  protected abstract void validate();

  /** True for layers whose output width equals their input width. */
  protected boolean preservesWidth() {
    return true;
  }

  protected InputType.InputTypeRecurrent requireRecurrent(InputType inputType) {
    Preconditions.checkArgument(inputType instanceof InputType.InputTypeRecurrent,
        "%s: expects recurrent (sequence) input, got %s", describe(), inputType);
    return (InputType.InputTypeRecurrent) inputType;
  }

  /** Wires a fresh implementation to its config and parameter views, as every DL4J layer's instantiate does. */
  protected org.deeplearning4j.nn.api.Layer wire(org.deeplearning4j.nn.layers.BaseLayer<?> layer,
      NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex, INDArray params,
      boolean initializeParams) {
    validate();
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(params);
    layer.setParamTable(initializer().init(conf, params, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeRecurrent r = requireRecurrent(inputType);
    return InputType.recurrent(nOut, r.getTimeSeriesLength(), dataFormat);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeRecurrent r = requireRecurrent(inputType);
    Preconditions.checkArgument(r.getFormat() == dataFormat,
        "%s: dataFormat = %s but the input arrives as %s", describe(), dataFormat, r.getFormat());
    // A configured nIn that disagrees with the input is an error even when DL4J asks to override it (the
    // ComputationGraph always does): silently replacing it would hide a mistake in the model definition.
    Preconditions.checkArgument(nIn <= 0 || nIn == r.getSize(),
        "%s: nIn = %s but the input has width %s", describe(), nIn, r.getSize());
    nIn = r.getSize();
    if (preservesWidth()) {
      Preconditions.checkArgument(nOut <= 0 || nOut == nIn,
          "%s: nOut = %s must equal the width nIn = %s", describe(), nOut, nIn);
      nOut = nIn;
    }
    validate();
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    requireRecurrent(inputType);
    return null;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    long params = initializer().numParams(this);
    return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, getOutputType(-1, inputType))
        .standardMemory(params, getIUpdater() == null ? 0 : getIUpdater().stateSize(params))
        .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  public RNNFormat getDataFormat() {
    return dataFormat;
  }

  public void setDataFormat(RNNFormat dataFormat) {
    this.dataFormat = dataFormat;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && dataFormat == ((SequenceLayerConf) o).dataFormat;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), dataFormat);
  }

  /** Builder shared by the sequence layers. */
  public abstract static class Builder<T extends Builder<T>> extends FeedForwardLayer.Builder<T> {
    protected RNNFormat dataFormat = RNNFormat.NCW;

    /** NCW ([B, C, T], DL4J's default) or NWC ([B, T, C], what the transformer stack uses: no transposes). */
    @SuppressWarnings("unchecked")
    public T dataFormat(RNNFormat format) {
      this.dataFormat = Preconditions.checkNotNull(format, "dataFormat");
      return (T) this;
    }
  }
}
