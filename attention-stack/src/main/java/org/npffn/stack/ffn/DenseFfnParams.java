package org.npffn.stack.ffn;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/** Parameters of {@link DenseFfn}: W1 [d, h·p], b1 [1, h·p], W2 [h, d], b2 [1, d]; p = 2 for SwiGLU. */
public final class DenseFfnParams extends SpecParamInitializer {
  public static final DenseFfnParams INSTANCE = new DenseFfnParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    DenseFfn c = (DenseFfn) layer;
    long d = c.getNIn();
    long h = c.getHidden();
    long up = c.getActivation().inputProjections() * h;
    return List.of(
        new ParamSpec(DenseFfn.W1, d, up, ParamSpec.Role.WEIGHT, d, h),
        ParamSpec.bias(DenseFfn.B1, up),
        ParamSpec.weight(DenseFfn.W2, h, d),
        ParamSpec.bias(DenseFfn.B2, d));
  }
}
