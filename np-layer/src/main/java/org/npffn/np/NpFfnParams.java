package org.npffn.np;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/**
 * Parameters of {@link NpFfn}: φ (phiW1 [c, r], phiB1, phiW2 [r, r], phiB2), the prior r0 [1, r], the decay
 * logits [1, r] (decay only), the decoder Wup [d, h], bup, Wdown [h, d], bdown, U [r, h] (context projection
 * only), and the group selector: Ah [d, k], Ar [r, k] and the zero-initialised Aout [k, M] (softmax) or the
 * zero-initialised G [r, M] (FiLM). A2's zero start makes α uniform, so the layer starts as a dense FFN
 * plus U r_t; A1 is random, or A2 would never get a gradient.
 */
public final class NpFfnParams extends SpecParamInitializer {
  public static final NpFfnParams INSTANCE = new NpFfnParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    NpFfn c = (NpFfn) layer;
    long d = c.getNIn();
    long r = c.getContextWidth();
    long h = c.getHidden();
    List<ParamSpec> s = new ArrayList<>();
    s.add(ParamSpec.weight(NpFfn.PHI_W1, c.getContextMode().inputWidth(d), r));
    s.add(ParamSpec.bias(NpFfn.PHI_B1, r));
    s.add(ParamSpec.weight(NpFfn.PHI_W2, r, r));
    s.add(ParamSpec.bias(NpFfn.PHI_B2, r));
    s.add(ParamSpec.bias(NpFfn.PRIOR, r));
    if (c.isDecay()) {
      s.add(ParamSpec.bias(NpFfn.DECAY, r));
    }
    s.add(ParamSpec.weight(NpFfn.W_UP, d, h));
    s.add(ParamSpec.bias(NpFfn.B_UP, h));
    s.add(ParamSpec.weight(NpFfn.W_DOWN, h, d));
    s.add(ParamSpec.bias(NpFfn.B_DOWN, d));
    if (c.isContextProjection()) {
      s.add(ParamSpec.weight(NpFfn.U, r, h));
    }
    if (c.getGating() == GroupGating.SOFTMAX) {
      // Ar right after Ah: [Ah; Ar] is one [d + r, k] matrix for one gemm over [x | r] (RowBlockView.stacked)
      s.add(ParamSpec.weight(NpFfn.A_H, d, c.getSelectorRank()));
      s.add(ParamSpec.weight(NpFfn.A_R, r, c.getSelectorRank()));
      s.add(ParamSpec.zeroWeight(NpFfn.A_OUT, c.getSelectorRank(), c.getGroups()));
    } else {
      s.add(ParamSpec.zeroWeight(NpFfn.FILM, r, c.getGroups()));
    }
    return s;
  }
}
