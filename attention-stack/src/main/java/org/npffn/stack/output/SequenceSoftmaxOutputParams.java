package org.npffn.stack.output;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/** Parameters of {@link SequenceSoftmaxOutput}: W [C, nOut] from the weight init, b [1, nOut] at zero. */
public final class SequenceSoftmaxOutputParams extends SpecParamInitializer {
  public static final SequenceSoftmaxOutputParams INSTANCE = new SequenceSoftmaxOutputParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    SequenceSoftmaxOutput c = (SequenceSoftmaxOutput) layer;
    return List.of(ParamSpec.weight(SequenceSoftmaxOutput.WEIGHT, c.getNIn(), c.getNOut()),
        ParamSpec.bias(SequenceSoftmaxOutput.BIAS, c.getNOut()));
  }
}
