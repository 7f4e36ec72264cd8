package org.npffn.stack.norm;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/** Parameters of {@link SequenceNorm}: gain g [1, C] (starts at 1); LayerNorm adds bias b [1, C]. */
public final class SequenceNormParams extends SpecParamInitializer {
  public static final SequenceNormParams INSTANCE = new SequenceNormParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    SequenceNorm c = (SequenceNorm) layer;
    if (c.getKind() == NormKind.RMS) {
      return List.of(ParamSpec.gain(SequenceNorm.GAIN, c.getNIn()));
    }
    return List.of(ParamSpec.gain(SequenceNorm.GAIN, c.getNIn()), ParamSpec.bias(SequenceNorm.BIAS, c.getNIn()));
  }
}
