package org.npffn.stack.embedding;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayerConf;

/**
 * Token embedding plus position encoding on integer ids: x[b, t] = E[id[b, t]] + P[t].
 *
 * <p>Input: ids as [B, T] or [B, 1, T] (DL4J's NCW with one channel). nIn is the vocabulary size V, nOut the
 * width C; the output is a sequence in {@code dataFormat}. An id outside [0, V) at a real (unmasked) position
 * fails the forward pass with an IllegalArgumentException naming the layer, the id and its position. Padded
 * positions embed to 0.
 */
public class TokenPositionEmbedding extends SequenceLayerConf {
  public static final String TOKENS = "E";
  public static final String POSITIONS = "P";

  private long maxLength;
  private PositionEncoding positions = PositionEncoding.LEARNED;

  private TokenPositionEmbedding() {}

  private TokenPositionEmbedding(Builder b) {
    super(b);
    this.maxLength = b.set.maxLength;
    this.positions = b.set.positions;
    validate();
  }

  @Override
  protected void validate() {
    Preconditions.checkArgument(nIn > 0, "%s: vocabSize (nIn) = %s must be positive", describe(), nIn);
    Preconditions.checkArgument(nOut > 0, "%s: width (nOut) = %s must be positive", describe(), nOut);
    Preconditions.checkArgument(maxLength > 0, "%s: maxLength = %s must be positive", describe(), maxLength);
    Preconditions.checkArgument(positions != PositionEncoding.SINUSOIDAL || nOut % 2 == 0,
        "%s: width (nOut) = %s must be even for sinusoidal positions", describe(), nOut);
  }

  @Override
  protected boolean preservesWidth() {
    return false;
  }

  /** The input is ids, one channel; nIn stays the vocabulary size. */
  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeRecurrent r = requireRecurrent(inputType);
    Preconditions.checkArgument(r.getSize() == 1, "%s: expects one id per position, got input width %s",
        describe(), r.getSize());
    Preconditions.checkArgument(r.getTimeSeriesLength() <= maxLength,
        "%s: sequence length %s exceeds maxLength = %s", describe(), r.getTimeSeriesLength(), maxLength);
    validate();
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new TokenPositionEmbeddingLayer(conf, dataType), conf, listeners, layerIndex, params,
        initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return TokenPositionEmbeddingParams.INSTANCE;
  }

  public long getMaxLength() {
    return maxLength;
  }

  public void setMaxLength(long maxLength) {
    this.maxLength = maxLength;
  }

  public PositionEncoding getPositions() {
    return positions;
  }

  public void setPositions(PositionEncoding positions) {
    this.positions = positions;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof TokenPositionEmbedding e && maxLength == e.maxLength
        && positions == e.positions;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), maxLength, positions);
  }

  /** Builder: vocabSize, width and maxLength are required. */
  public static class Builder extends SequenceLayerConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final TokenPositionEmbedding set = new TokenPositionEmbedding();

    /** V, the number of distinct ids (256 for bytes). */
    public Builder vocabSize(long vocabSize) {
      return nIn(vocabSize);
    }

    /** C, the embedding width. */
    public Builder width(long width) {
      return nOut(width);
    }

    /** The longest sequence the layer accepts (the size of the learned position table). */
    public Builder maxLength(long maxLength) {
      set.maxLength = maxLength;
      return this;
    }

    public Builder positions(PositionEncoding positions) {
      set.positions = Preconditions.checkNotNull(positions, "positions");
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public TokenPositionEmbedding build() {
      return new TokenPositionEmbedding(this);
    }
  }
}
