package org.npffn.np;

import com.google.common.base.Preconditions;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * The context-conditioned Neural-Process FFN. Each token's FFN is conditioned on a permutation-invariant
 * summary r_t of the tokens before it (a CNP-style mean of encoded context points, Garnelo et al. 2018), and
 * its hidden units form M groups whose contributions the context chooses densely, with no hard router:
 *
 * <pre>
 *   e_i = φ(c_i)                       c_i = h_i (TOKEN) or [h_{i-1}; h_i] (TRANSITION); φ: MLP into width r
 *   r_t = (r_0 + Σ_{i ∈ ctx(t)} e_i) / (n_t + 1)           (optionally a decayed mean)
 *   y_t = W_down [ gelu(W_up h_t + U r_t + b) ⊙ expand(M·α_t) ] + b_down
 *   α_t = softmax(A2 A1 [h_t; r_t])   or FiLM: 1 + tanh(G r_t)
 * </pre>
 *
 * A2 (and G) start at zero, so at initialisation the layer is a dense FFN plus U r_t. See docs/np-layer.md.
 */
public class NpFfn extends FfnSlotConf {
  public static final String PHI_W1 = "phiW1";
  public static final String PHI_B1 = "phiB1";
  public static final String PHI_W2 = "phiW2";
  public static final String PHI_B2 = "phiB2";
  public static final String PRIOR = "r0";
  public static final String DECAY = "decay";
  public static final String W_UP = "Wup";
  public static final String B_UP = "bup";
  public static final String W_DOWN = "Wdown";
  public static final String B_DOWN = "bdown";
  public static final String U = "U";
  public static final String A_H = "Ah";
  public static final String A_R = "Ar";
  public static final String A_OUT = "Aout";
  public static final String FILM = "G";

  // The settings and their defaults, written only here (the Builder starts from a fresh NpFfn).
  private long hidden;
  private int groups;
  private int contextWidth;
  private ContextMode contextMode = ContextMode.TRANSITION;
  private GroupGating gating = GroupGating.SOFTMAX;
  private int selectorRank = 16;
  private boolean contextProjection = true;
  private boolean decay;

  private NpFfn() {}

  private NpFfn(Builder b) {
    super(b);
    hidden = b.set.hidden;
    groups = b.set.groups;
    contextWidth = b.set.contextWidth;
    contextMode = b.set.contextMode;
    gating = b.set.gating;
    selectorRank = b.set.selectorRank;
    contextProjection = b.set.contextProjection;
    decay = b.set.decay;
    checkSizes();
    if (nIn > 0) {
      validate();
    }
  }

  private void checkSizes() {
    Preconditions.checkArgument(hidden > 0, "%s: hidden = %s must be positive", describe(), hidden);
    Preconditions.checkArgument(groups > 0, "%s: groups = %s must be positive", describe(), groups);
    Preconditions.checkArgument(hidden % groups == 0, "%s: groups = %s does not divide hidden = %s", describe(),
        groups, hidden);
    Preconditions.checkArgument(contextWidth > 0, "%s: contextWidth = %s must be positive", describe(),
        contextWidth);
    Preconditions.checkArgument(selectorRank > 0, "%s: selectorRank = %s must be positive", describe(),
        selectorRank);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
  }

  @Override
  protected void validate() {
    checkSizes();
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
    nOut = nIn;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new NpFfnLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return NpFfnParams.INSTANCE;
  }

  /** Hidden units per group, h / M. */
  public long groupWidth() {
    return hidden / groups;
  }

  /**
   * Parameters, and forward FLOPs per token: the dense FFN d·h·2 products, φ on one new context point, the
   * context projection U and the group selector (the O(r) running mean is not counted: elementwise).
   */
  @Override
  public List<String> residualOutputKeys() {
    return List.of(W_DOWN);
  }

  @Override
  public FfnCost cost() {
    long d = nIn;
    long r = contextWidth;
    long c = contextMode.inputWidth(d);
    long phi = c * r + r + r * r + r;
    long decoder = d * hidden + hidden + hidden * d + d;
    long u = contextProjection ? r * hidden : 0;
    long selector = gating == GroupGating.SOFTMAX ? (d + r) * selectorRank + (long) selectorRank * groups
        : r * groups;
    long total = phi + r + (decay ? r : 0) + decoder + u + selector;
    long flops = 2 * (c * r + r * r + 2 * d * hidden + u
        + (gating == GroupGating.SOFTMAX ? (d + r) * selectorRank + (long) selectorRank * groups : r * groups));
    return new FfnCost(total, total, flops);
  }

  public long getHidden() { return hidden; }
  public void setHidden(long v) { hidden = v; }
  public int getGroups() { return groups; }
  public void setGroups(int v) { groups = v; }
  public int getContextWidth() { return contextWidth; }
  public void setContextWidth(int v) { contextWidth = v; }
  public ContextMode getContextMode() { return contextMode; }
  public void setContextMode(ContextMode v) { contextMode = v; }
  public GroupGating getGating() { return gating; }
  public void setGating(GroupGating v) { gating = v; }
  public int getSelectorRank() { return selectorRank; }
  public void setSelectorRank(int v) { selectorRank = v; }
  public boolean isContextProjection() { return contextProjection; }
  public void setContextProjection(boolean v) { contextProjection = v; }
  public boolean isDecay() { return decay; }
  public void setDecay(boolean v) { decay = v; }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof NpFfn n && hidden == n.hidden && groups == n.groups
        && contextWidth == n.contextWidth && contextMode == n.contextMode && gating == n.gating
        && selectorRank == n.selectorRank && contextProjection == n.contextProjection && decay == n.decay;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), hidden, groups, contextWidth, contextMode, gating, selectorRank,
        contextProjection, decay);
  }

  /** Builder. Defaults: transition context, softmax groups of rank-16 selector, U on, no decay. */
  public static class Builder extends FfnSlotConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final NpFfn set = new NpFfn();

    /** h, the FFN's hidden width. */
    public Builder hidden(long h) { set.hidden = h; return this; }
    /** M, the number of sub-networks; must divide h. */
    public Builder groups(int m) { set.groups = m; return this; }
    /** M as set so far (for the matching helpers). */
    public int getGroups() { return set.groups; }
    /** r, the width of the context summary. */
    public Builder contextWidth(int r) { set.contextWidth = r; return this; }
    public Builder contextMode(ContextMode m) { set.contextMode = Preconditions.checkNotNull(m, "contextMode"); return this; }
    public Builder gating(GroupGating g) { set.gating = Preconditions.checkNotNull(g, "gating"); return this; }
    /** Rank of the low-rank group selector A = A2 A1 (softmax gating). */
    public Builder selectorRank(int k) { set.selectorRank = k; return this; }
    /** Whether r_t enters the hidden pre-activation through U (default true). */
    public Builder contextProjection(boolean on) { set.contextProjection = on; return this; }
    /** Exponentially decayed context mean with a learned per-channel rate (not permutation invariant). */
    public Builder decay(boolean on) { set.decay = on; return this; }

    @Override
    @SuppressWarnings("unchecked")
    public NpFfn build() {
      return new NpFfn(this);
    }
  }
}
