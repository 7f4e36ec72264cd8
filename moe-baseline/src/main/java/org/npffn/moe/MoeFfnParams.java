package org.npffn.moe;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/**
 * Parameters of {@link MoeFfn}. Expert e's matrices are row blocks of stacked arrays, so each is a contiguous
 * view the layer can gemm into: W1 [E·d, d_e·p] (rows e·d ..), b1 [E, d_e·p], W2 [E·d_e, d], b2 [E, d].
 * The router is Wr [d, E], or Wr1 [d, r] and Wr2 [r, E]; noisy gating adds Wn [d, E]; shared experts are one
 * FFN of hidden n_shared·d_e (a sum of FFNs is one FFN with concatenated hidden units); loss-free
 * balancing adds the state vector balanceBias [1, E].
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
    s.add(new ParamSpec(MoeFfn.W1, e * d, up, ParamSpec.Role.WEIGHT, d, h));
    s.add(new ParamSpec(MoeFfn.B1, e, up, ParamSpec.Role.BIAS, 0, 0));
    s.add(new ParamSpec(MoeFfn.W2, e * h, d, ParamSpec.Role.WEIGHT, h, d));
    s.add(new ParamSpec(MoeFfn.B2, e, d, ParamSpec.Role.BIAS, 0, 0));
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
    return s;
  }
}
