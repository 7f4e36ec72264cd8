package org.npffn.moe;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/**
 * Parameters of {@link MoeFfn}. Expert e has expert{e}.W1 [d, d_e·p], expert{e}.b1 [1, d_e·p],
 * expert{e}.W2 [d_e, d] and expert{e}.b2 [1, d] (p = 2 for SwiGLU).
 * The router is Wr [d, E], or Wr1 [d, r] and Wr2 [r, E]; noisy gating adds Wn [d, E]; shared experts are one
 * FFN of hidden n_shared·d_e (a sum of FFNs is one FFN with concatenated hidden units); loss-free
 * balancing adds the state vector balanceBias [1, E]; ReLU routing the state scalars reluLambdaExponent [1, 1] and reluShift [1, 1].
 */
public final class MoeFfnParams extends SpecParamInitializer {
  public static final MoeFfnParams INSTANCE = new MoeFfnParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    MoeFfn c = (MoeFfn) layer;
    long d = c.getNIn();
    long e = c.getNExperts();
    long h = c.getExpertHidden();
    long up = c.getActivation().inputProjections() * h;
    List<ParamSpec> s = new ArrayList<>();
    if (c.getRouterRank() == 0) {
      s.add(ParamSpec.weight(MoeFfn.ROUTER, d, e));
    } else {
      s.add(ParamSpec.weight(MoeFfn.ROUTER_DOWN, d, c.getRouterRank()));
      s.add(ParamSpec.weight(MoeFfn.ROUTER_UP, c.getRouterRank(), e));
    }
    if (c.isNoisy()) {
      // Starts at zero: softplus(0)·N(0,1) noise of scale 0.69 until the noise weights learn otherwise.
      s.add(ParamSpec.zeroWeight(MoeFfn.NOISE, d, e));
    }
    for (int i = 0; i < e; i++) {
      s.add(new ParamSpec(MoeFfn.expertKey(i, MoeFfn.W1), d, up, ParamSpec.Role.WEIGHT, d, h));
      s.add(ParamSpec.bias(MoeFfn.expertKey(i, MoeFfn.B1), up));
      s.add(ParamSpec.weight(MoeFfn.expertKey(i, MoeFfn.W2), h, d));
      s.add(ParamSpec.bias(MoeFfn.expertKey(i, MoeFfn.B2), d));
    }
    if (c.getNShared() > 0) {
      long sh = c.getNShared() * h;
      s.add(new ParamSpec(MoeFfn.SHARED_W1, d, c.getNShared() * up, ParamSpec.Role.WEIGHT, d, h));
      s.add(ParamSpec.bias(MoeFfn.SHARED_B1, c.getNShared() * up));
      s.add(new ParamSpec(MoeFfn.SHARED_W2, sh, d, ParamSpec.Role.WEIGHT, h, d));
      s.add(ParamSpec.bias(MoeFfn.SHARED_B2, d));
    }
    if (c.isLossFreeBalancing()) {
      s.add(ParamSpec.state(MoeFfn.BALANCE_BIAS, e));
    }
    if (c.getGating() == Gating.RELU) {
      // starts at 0: λ = λ0·α^0 = λ0
      s.add(ParamSpec.state(MoeFfn.RELU_EXPONENT, 1));
      // starts at 0: the paper's g = ReLU(x W_r) until the sparsity says otherwise
      s.add(ParamSpec.state(MoeFfn.RELU_SHIFT, 1));
    }
    return s;
  }
}
