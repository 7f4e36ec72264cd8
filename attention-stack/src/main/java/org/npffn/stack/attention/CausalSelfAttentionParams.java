package org.npffn.stack.attention;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/** Parameters of {@link CausalSelfAttention}: Wqkv [C, 3C], bqkv [1, 3C], Wo [C, C], bo [1, C]. */
public final class CausalSelfAttentionParams extends SpecParamInitializer {
  public static final CausalSelfAttentionParams INSTANCE = new CausalSelfAttentionParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    long c = ((CausalSelfAttention) layer).getNIn();
    return List.of(
        // Fan-out C, not 3C: each of Q, K, V is its own C -> C projection.
        new ParamSpec(CausalSelfAttention.W_QKV, c, 3 * c, ParamSpec.Role.WEIGHT, c, c),
        ParamSpec.bias(CausalSelfAttention.B_QKV, 3 * c),
        ParamSpec.weight(CausalSelfAttention.W_OUT, c, c),
        ParamSpec.bias(CausalSelfAttention.B_OUT, c));
  }
}
