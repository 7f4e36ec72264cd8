package org.npffn.moe;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.routing.Overflow;

/**
 * A top-k Mixture-of-Experts FFN (Shazeer et al. 2017) with sparse dispatch: each of E experts d -> d_e -> d
 * computes only the tokens routed to it, so the cost grows with k, not with E.
 *
 * <p>Router: linear (d -> E) or low-rank (d -> r -> E, Boix-Adsera 2025); softmax or sigmoid gating; noisy
 * top-k in training. Balancing, each optional and combinable: the Switch auxiliary loss, the ST-MoE router
 * z-loss, expert capacity with DROP or NEXT_BEST overflow, and auxiliary-loss-free bias balancing
 * (Wang et al. 2024). Optional always-on shared experts (DeepSeek-MoE). See docs/moe.md.
 */
public class MoeFfn extends FfnSlotConf {
  public static final String ROUTER = "Wr";
  public static final String ROUTER_DOWN = "Wr1";
  public static final String ROUTER_UP = "Wr2";
  public static final String NOISE = "Wn";
  public static final String W1 = "W1";
  public static final String B1 = "b1";
  public static final String W2 = "W2";
  public static final String B2 = "b2";

  /**
   * The key of expert e's parameter {@code name} (W1, b1, W2 or b2), e.g. "expert3.W1". Each expert has its
   * own parameters rather than row blocks of stacked arrays: ND4J 1.0.0-M2.1 returns an empty array for the
   * last row block of a parameter view (a view of a view), measured here.
   */
  public static String expertKey(int e, String name) {
    return "expert" + e + "." + name;
  }
  public static final String SHARED_W1 = "sW1";
  public static final String SHARED_B1 = "sb1";
  public static final String SHARED_W2 = "sW2";
  public static final String SHARED_B2 = "sb2";
  /** The loss-free balancing bias: saved with the model, moved by its own rule, never by the optimizer. */
  public static final String BALANCE_BIAS = "balanceBias";
  /**
   * ReLU routing's regulariser exponent n, λ = λ0·α^n (ReluSparsity): saved with the model, moved by ±1 per
   * training step by the sparsity controller, never by the optimizer.
   */
  public static final String RELU_EXPONENT = "reluLambdaExponent";
  /**
   * ReLU routing's logit shift b, g = ReLU(x W_r + b) (ReluSparsity): saved with the model, moved by ±γ_b per
   * training step toward the target sparsity, never by the optimizer.
   */
  public static final String RELU_SHIFT = "reluShift";

  // The settings and their defaults, written only here (the Builder starts from a fresh MoeFfn).
  private int nExperts;
  private int topK;
  private long expertHidden;
  private FfnActivation activation = FfnActivation.GELU;
  private int nShared;
  private int routerRank;
  private Gating gating = Gating.SOFTMAX;
  private boolean renormalize = true;
  private boolean noisy;
  private long noiseSeed;
  private double auxLossWeight;
  private double zLossWeight;
  /** null: unlimited capacity. */
  private Double capacityFactor;
  private Overflow overflow = Overflow.DROP;
  /**
   * Whether inference passes apply the capacity too. Off by default: at inference no token is dropped, so a
   * token's output depends on its own routing only (causal, batch-independent, and the same under rnnTimeStep).
   */
  private boolean capacityAtInference;
  private boolean lossFreeBalancing;
  /** γ of the loss-free bias: the paper's value, for tens of thousands of steps. */
  private double biasRate = 1e-3;
  /** λ0 of ReLU routing's L1 regulariser: the ReMoE paper's initial value. */
  private double reluLambda0 = 1e-8;
  /** α of ReLU routing's λ controller: the ReMoE paper's value. */
  private double reluRate = 1.2;
  /**
   * γ_b of ReLU routing's logit shift controller (not in the paper; 0 turns it off): the only force that can
   * reopen gates the task loss closed, measured to be needed (docs/moe.md, "When L1 is not enough").
   * 1e-3 per step suits runs of thousands of steps, as the loss-free bias's γ; short runs need more.
   */
  private double reluShiftRate = 1e-3;

  private MoeFfn() {}

  private MoeFfn(Builder b) {
    super(b);
    nExperts = b.set.nExperts;
    topK = b.set.topK;
    expertHidden = b.set.expertHidden;
    activation = b.set.activation;
    nShared = b.set.nShared;
    routerRank = b.set.routerRank;
    gating = b.set.gating;
    renormalize = b.set.renormalize;
    noisy = b.set.noisy;
    noiseSeed = b.set.noiseSeed;
    auxLossWeight = b.set.auxLossWeight;
    zLossWeight = b.set.zLossWeight;
    capacityFactor = b.set.capacityFactor;
    overflow = b.set.overflow;
    capacityAtInference = b.set.capacityAtInference;
    lossFreeBalancing = b.set.lossFreeBalancing;
    biasRate = b.set.biasRate;
    reluLambda0 = b.set.reluLambda0;
    reluRate = b.set.reluRate;
    reluShiftRate = b.set.reluShiftRate;
    checkSizes();
    if (nIn > 0) {
      validate();
    }
  }

  private void checkSizes() {
    Preconditions.checkArgument(nExperts >= 1, "%s: nExperts = %s must be at least 1", describe(), nExperts);
    Preconditions.checkArgument(topK >= 1, "%s: topK = %s must be at least 1", describe(), topK);
    Preconditions.checkArgument(topK <= nExperts, "%s: topK = %s must not exceed nExperts = %s", describe(), topK,
        nExperts);
    Preconditions.checkArgument(expertHidden > 0, "%s: expertHidden = %s must be positive", describe(),
        expertHidden);
    Preconditions.checkArgument(nShared >= 0, "%s: nShared = %s must be non-negative", describe(), nShared);
    Preconditions.checkArgument(routerRank >= 0, "%s: routerRank = %s must be non-negative (0 = linear router)",
        describe(), routerRank);
    Preconditions.checkArgument(capacityFactor == null || capacityFactor > 0,
        "%s: capacityFactor = %s must be positive (null = unlimited)", describe(), capacityFactor);
    Preconditions.checkArgument(auxLossWeight >= 0, "%s: auxLossWeight = %s must be non-negative", describe(),
        auxLossWeight);
    Preconditions.checkArgument(zLossWeight >= 0, "%s: zLossWeight = %s must be non-negative", describe(),
        zLossWeight);
    Preconditions.checkArgument(biasRate > 0, "%s: biasRate = %s must be positive", describe(), biasRate);
    Preconditions.checkArgument(nIn >= 0, "%s: nIn = %s must be positive", describe(), nIn);
    ReluSparsity.checkConfig(this);
  }

  @Override
  protected void validate() {
    checkSizes();
    Preconditions.checkArgument(nIn > 0, "%s: nIn = %s must be positive", describe(), nIn);
    Preconditions.checkArgument(routerRank == 0 || routerRank < Math.min(nIn, nExperts),
        "%s: routerRank = %s is not low-rank: it must be below min(d = %s, nExperts = %s)", describe(), routerRank,
        nIn, nExperts);
    nOut = nIn;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray params, boolean initializeParams,
      DataType dataType) {
    return wire(new MoeFfnLayer(conf, dataType), conf, listeners, layerIndex, params, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return MoeFfnParams.INSTANCE;
  }

  /** Whether {@code paramName} is state moved by its own rule (the balancing bias, ReLU's λ exponent and shift). */
  public static boolean isState(String paramName) {
    return BALANCE_BIAS.equals(paramName) || RELU_EXPONENT.equals(paramName) || RELU_SHIFT.equals(paramName);
  }

  /** State is not trained: no updater, no regularisation. */
  @Override
  public IUpdater getUpdaterByParam(String paramName) {
    return isState(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
  }

  @Override
  public List<Regularization> getRegularizationByParam(String paramName) {
    return isState(paramName) ? List.of() : super.getRegularizationByParam(paramName);
  }

  /** Expert capacity C = ceil(capacityFactor · k · N / E) for N real tokens; Integer.MAX_VALUE if unlimited. */
  public int capacity(long tokens) {
    return capacity(tokens, true);
  }

  /**
   * The capacity of a training or an inference pass over N real tokens: unlimited at inference unless
   * {@link #isCapacityAtInference()}. With it, an rnnTimeStep applies the capacity to the step's own tokens
   * (at batch size 1 and one token per step a token never overflows: C ≥ 1 and its k experts differ).
   */
  public int capacity(long tokens, boolean training) {
    if (capacityFactor == null || !(training || capacityAtInference) || gating == Gating.RELU) {
      return Integer.MAX_VALUE;
    }
    return (int) Math.ceil(capacityFactor * topK * tokens / nExperts);
  }

  @Override
  public List<String> residualOutputKeys() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < nExperts; i++) {
      keys.add(expertKey(i, W2));
    }
    if (nShared > 0) {
      keys.add(SHARED_W2);
    }
    return keys;
  }

  @Override
  public FfnCost cost() {
    long d = nIn;
    long up = activation.inputProjections() * expertHidden;
    long router = routerRank == 0 ? d * nExperts : d * routerRank + (long) routerRank * nExperts;
    long noise = noisy ? d * nExperts : 0;
    long expert = d * up + up + expertHidden * d + d;
    long sharedUp = (long) nShared * up;
    long shared = nShared == 0 ? 0 : d * sharedUp + sharedUp + nShared * expertHidden * d + d;
    long state = (lossFreeBalancing ? nExperts : 0) + (gating == Gating.RELU ? 2 : 0);
    long total = router + noise + nExperts * expert + shared + state;
    // ReLU routing: k experts per token on average once the controller holds its target sparsity
    long active = router + noise + topK * expert + shared;
    // Inference forward FLOPs: the router, k experts and the shared experts (the noise path is training-only).
    long routerFlops = 2 * router;
    long expertFlops = 2 * (d * up + expertHidden * d);
    long sharedFlops = 2 * (d * sharedUp + (long) nShared * expertHidden * d);
    return new FfnCost(total, active, routerFlops + topK * expertFlops + sharedFlops);
  }

  // Getters and setters (DL4J serialises configs through them).
  public int getNExperts() { return nExperts; }
  public void setNExperts(int v) { nExperts = v; }
  public int getTopK() { return topK; }
  public void setTopK(int v) { topK = v; }
  public long getExpertHidden() { return expertHidden; }
  public void setExpertHidden(long v) { expertHidden = v; }
  public FfnActivation getActivation() { return activation; }
  public void setActivation(FfnActivation v) { activation = v; }
  public int getNShared() { return nShared; }
  public void setNShared(int v) { nShared = v; }
  public int getRouterRank() { return routerRank; }
  public void setRouterRank(int v) { routerRank = v; }
  public Gating getGating() { return gating; }
  public void setGating(Gating v) { gating = v; }
  public boolean isRenormalize() { return renormalize; }
  public void setRenormalize(boolean v) { renormalize = v; }
  public boolean isNoisy() { return noisy; }
  public void setNoisy(boolean v) { noisy = v; }
  public long getNoiseSeed() { return noiseSeed; }
  public void setNoiseSeed(long v) { noiseSeed = v; }
  public double getAuxLossWeight() { return auxLossWeight; }
  public void setAuxLossWeight(double v) { auxLossWeight = v; }
  public double getZLossWeight() { return zLossWeight; }
  public void setZLossWeight(double v) { zLossWeight = v; }
  public Double getCapacityFactor() { return capacityFactor; }
  public void setCapacityFactor(Double v) { capacityFactor = v; }
  public Overflow getOverflow() { return overflow; }
  public void setOverflow(Overflow v) { overflow = v; }
  public boolean isCapacityAtInference() { return capacityAtInference; }
  public void setCapacityAtInference(boolean v) { capacityAtInference = v; }
  public boolean isLossFreeBalancing() { return lossFreeBalancing; }
  public void setLossFreeBalancing(boolean v) { lossFreeBalancing = v; }
  public double getBiasRate() { return biasRate; }
  public void setBiasRate(double v) { biasRate = v; }
  public double getReluLambda0() { return reluLambda0; }
  public void setReluLambda0(double v) { reluLambda0 = v; }
  public double getReluRate() { return reluRate; }

  /** ReLU routing's λ = λ0·α^n for the layer's saved exponent n [1, 1] (the parameter {@link #RELU_EXPONENT}). */
  public double reluLambda(INDArray exponent) {
    return ReluSparsity.lambda(this, exponent);
  }
  public void setReluRate(double v) { reluRate = v; }
  public double getReluShiftRate() { return reluShiftRate; }
  public void setReluShiftRate(double v) { reluShiftRate = v; }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof MoeFfn m && nExperts == m.nExperts && topK == m.topK
        && expertHidden == m.expertHidden && activation == m.activation && nShared == m.nShared
        && routerRank == m.routerRank && gating == m.gating && renormalize == m.renormalize && noisy == m.noisy
        && noiseSeed == m.noiseSeed && auxLossWeight == m.auxLossWeight && zLossWeight == m.zLossWeight
        && Objects.equals(capacityFactor, m.capacityFactor) && overflow == m.overflow
        && capacityAtInference == m.capacityAtInference && lossFreeBalancing == m.lossFreeBalancing && biasRate == m.biasRate
        && reluLambda0 == m.reluLambda0 && reluRate == m.reluRate && reluShiftRate == m.reluShiftRate;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), nExperts, topK, expertHidden, activation, nShared, routerRank, gating,
        renormalize, noisy, noiseSeed, auxLossWeight, zLossWeight, capacityFactor, overflow, capacityAtInference,
        lossFreeBalancing, biasRate, reluLambda0, reluRate, reluShiftRate);
  }

  /** Builder. Defaults: softmax top-k with renormalisation, linear router, GELU, no balancing switched on. */
  public static class Builder extends FfnSlotConf.Builder<Builder> {
    /** The settings so far, starting from the field defaults above: each default is written once. */
    private final MoeFfn set = new MoeFfn();

    /** E, the number of routed experts. */
    public Builder nExperts(int e) { set.nExperts = e; return this; }
    /** k, experts per token. */
    public Builder topK(int k) { set.topK = k; return this; }
    /** d_e, each expert's hidden width. */
    public Builder expertHidden(long h) { set.expertHidden = h; return this; }
    public Builder activation(FfnActivation a) { set.activation = Preconditions.checkNotNull(a, "activation"); return this; }
    /** Always-on shared experts, each d -> d_e -> d (DeepSeek-MoE). Default 0. */
    public Builder nShared(int n) { set.nShared = n; return this; }
    /** r of a low-rank router d -> r -> E; 0 (default) for a linear router d -> E. */
    public Builder routerRank(int r) { set.routerRank = r; return this; }
    public Builder gating(Gating g) { set.gating = Preconditions.checkNotNull(g, "gating"); return this; }
    /** Softmax gating only: renormalise the k kept probabilities to sum to 1. Default true. */
    public Builder renormalize(boolean r) { set.renormalize = r; return this; }
    /** Noisy top-k gating in training (Shazeer et al. 2017, eq. 4), seeded. */
    public Builder noisy(boolean n, long seed) { set.noisy = n; set.noiseSeed = seed; return this; }
    /** α of the Switch load-balancing loss α·E·Σ f_i P_i; 0 (default) switches it off. Switch uses 0.01. */
    public Builder auxLossWeight(double a) { set.auxLossWeight = a; return this; }
    /** β of the ST-MoE router z-loss β·mean (logsumexp logits)²; 0 (default) off. ST-MoE uses 0.001. */
    public Builder zLossWeight(double b) { set.zLossWeight = b; return this; }
    /** Expert capacity factor; unset (default) is unlimited capacity. */
    public Builder capacityFactor(double c) { set.capacityFactor = c; return this; }
    public Builder overflow(Overflow o) { set.overflow = Preconditions.checkNotNull(o, "overflow"); return this; }
    /**
     * Whether inference passes apply the capacity too (default false: at inference no token is dropped, and
     * stepwise decoding equals the full forward). With true, a pass's tokens compete for capacity at inference
     * as in training, so outputs depend on the batch and on later tokens, and rnnTimeStep applies the capacity
     * to each step's tokens alone.
     */
    public Builder capacityAtInference(boolean on) { set.capacityAtInference = on; return this; }
    /**
     * ReLU routing's sparsity controller (ReMoE): the L1 regulariser's initial λ0 (1e-8 in the paper; 0 turns
     * the regulariser off) and its factor α per step (1.2 in the paper; 1 holds λ at λ0).
     */
    public Builder reluSparsity(double lambda0, double alpha) { set.reluLambda0 = lambda0; set.reluRate = alpha; return this; }
    /**
     * ReLU routing's logit shift controller, b += γ_b·sign(S - (1 - k/E)) after each training step (default 1e-3;
     * 0 keeps b = 0, the paper's method exactly). The L1 term can only close gates; the shift also reopens them.
     */
    public Builder reluShift(double rate) { set.reluShiftRate = rate; return this; }
    /** Auxiliary-loss-free balancing (Wang et al. 2024) with bias rate γ (1e-3 in the paper). */
    public Builder lossFreeBalancing(boolean on, double rate) { set.lossFreeBalancing = on; set.biasRate = rate; return this; }

    @Override
    @SuppressWarnings("unchecked")
    public MoeFfn build() {
      return new MoeFfn(this);
    }
  }
}
