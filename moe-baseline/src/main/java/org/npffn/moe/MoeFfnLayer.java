package org.npffn.moe;

import com.google.common.base.Preconditions;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.ffn.UnitOutputs;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.RealRows;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.TopKRouter;

/**
 * Implementation of {@link MoeFfn} on rows [N, d]. The forward is the list of the steps of docs/moe.md, each a
 * concept with its forward and backward side by side; the backward runs them in reverse:
 *
 * <ol>
 *   <li>1. the router: logits, noise, gate scores q ({@link MoeRouter}, {@link NoisyGating});
 *   <li>2. top-k, capacity and gates ({@link TopKRouter}), the selection steered by the loss-free bias
 *       ({@link LossFreeBias}); or ReLU routing ({@link ReluRouting}) with its sparsity control
 *       ({@link ReluSparsity});
 *   <li>3-6. dispatch, the experts, the combine and the shared experts ({@link ExpertDispatch});
 *   <li>the balance losses in the score, and the usage ({@link RouterStatistics}, {@link BalanceLosses},
 *       {@link ReluStatistics}).
 * </ol>
 */
public class MoeFfnLayer extends SequenceLayer<MoeFfn> implements UsageReporting, UnitOutputs {
  /** Row blocks below this size are not worth a hand-off between cores. */
  static final long MIN_BLOCK_ROWS = 512;
  private final CoreParallel cores = CoreParallel.fromSystemProperty();
  /** What the last forward pass keeps for the backward. */
  private MoeRouter.State router;
  private Routing routing;
  private double regularizationScore;
  private UsageSnapshot usage;

  public MoeFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Optional<UsageSnapshot> lastUsage() {
    return Optional.ofNullable(usage);
  }

  /** The routing of the last forward pass (read-only use; for tests and the masked oracle). */
  public Routing lastRouting() {
    return routing;
  }

  @Override
  public double calcRegularizationScore(boolean backpropParamsOnly) {
    return super.calcRegularizationScore(backpropParamsOnly) + regularizationScore;
  }

  /** Lets the optimizer leave the state alone: its gradient slot is always 0 (LossFreeBias, ReluSparsity). */
  @Override
  public boolean updaterDivideByMinibatch(String paramName) {
    return !MoeFfn.isState(paramName);
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    MoeFfn c = layerConf();
    INDArray x = in.x(); //                                                        [N, d]
    int n = (int) in.tokens();
    int e = c.getNExperts();
    boolean[] real = RealRows.of(rowMask, n);

    // 1. router: q = softmax or σ of x Wr (or x Wr1 Wr2), plus N(0,1)·softplus(x Wn) in noisy training  [N, E]
    router = new MoeRouter(c, buffers, cores).forward(x, real, training, params, getIterationCount(), layerId());
    // 2. top-k of q (plus the loss-free bias, which steers selection only), capacity, gates from q
    //    (ReLU gating instead: every expert with g = ReLU(logit) > 0, ReluRouting)
    if (c.getGating() == Gating.RELU) {
      routing = ReluRouting.route(router.scores(), real, e);
    } else {
      double[] selection = c.isLossFreeBalancing()
          ? LossFreeBias.selection(router.scores(), params.get(MoeFfn.BALANCE_BIAS), n, e) : router.scores();
      routing = TopKRouter.route(selection, router.scores(), real, e, c.getTopK(),
          c.capacity(RealRows.count(real), training), c.getOverflow(), c.getGating() == Gating.SIGMOID || c.isRenormalize());
    }
    // 3-6. y_t = Σ_j g_tj · FFN_{e_j}(x_t) + FFN_shared(x_t)                                          [N, d]
    INDArray y = new ExpertDispatch(c, buffers, cores).forward(x, routing, params);
    if (rowMask != null) {
      y.muliColumnVector(rowMask);
    }
    // the balance losses (already in DL4J's score scale) and the usage of this pass
    String name = c.getLayerName() == null ? "moe" : c.getLayerName();
    RouterStatistics.Pass pass = c.getGating() == Gating.RELU
        ? ReluStatistics.of(c, routing, router, lambda(), params.get(MoeFfn.RELU_SHIFT).getDouble(0), in.batch(),
            name)
        : RouterStatistics.of(c, routing, router, in.batch(), name);
    regularizationScore = pass.regularizationScore();
    usage = pass.usage();
    return y;
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    MoeFfn c = layerConf();
    INDArray x = rows.x();
    DataType dt = x.dataType();
    int n = routing.tokens();
    int e = c.getNExperts();
    ExpertDispatch experts = new ExpertDispatch(c, buffers, cores);
    MoeRouter gates = new MoeRouter(c, buffers, cores);

    // 6. forward was y = (routed + shared) ⊙ mask
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dt, n, c.getNIn()).assign(dOut).muliColumnVector(rowMask);
    }
    // 5. combine: each slot's dL/dys and the gradient of its gate
    double[] slotGrad = experts.combineBackward(dy, routing);
    // 4. the experts in reverse, and beside them, as one more part taken first, the router's backward (2-1),
    //    which needs only the gate gradients, into its own dx term
    ExpertDispatch.Backward expertArrays = experts.prepareBackward(routing, dt);
    INDArray dxRouter = buffers.get("dxRouter", dt, n, c.getNIn());
    gates.prepareBackward(dt, n);
    int[] parts = new int[e + 1];
    parts[0] = e;
    System.arraycopy(routing.expertsByLoad(), 0, parts, 1, e);
    cores.run(parts, i -> {
      if (i == e) {
        double[] choiceGrad = MoeRouter.choiceGrad(routing, slotGrad);
        double[] dH = c.getGating() == Gating.RELU
            ? ReluSparsity.logitGrad(routing, choiceGrad, lambda(), ReluSparsity.loadWeights(routing, c.getTopK()))
            : gates.logitGrad(router, routing, choiceGrad);
        gates.backward(router, x, dH, params, gradViews, dxRouter);
      } else {
        experts.expertBackward(i, expertArrays, routing, params, gradViews);
      }
    });
    // 3. dispatch: dx_t = Σ_j dxs[slot(t, j)] + the router's term
    INDArray dx = experts.dispatchBackward(routing, dxRouter);
    // 6. shared experts on every token
    if (c.getNShared() > 0) {
      experts.sharedBackward(x, dy, params, gradViews, dx);
    }
    if (c.isLossFreeBalancing()) {
      LossFreeBias.update(c, routing, params.get(MoeFfn.BALANCE_BIAS), gradViews.get(MoeFfn.BALANCE_BIAS));
    }
    if (c.getGating() == Gating.RELU) {
      ReluSparsity.step(c, routing, params.get(MoeFfn.RELU_EXPONENT), params.get(MoeFfn.RELU_SHIFT),
          gradViews.get(MoeFfn.RELU_EXPONENT), gradViews.get(MoeFfn.RELU_SHIFT));
    }
    return dx;
  }

  /** ReLU routing's current λ (ReluSparsity). */
  private double lambda() {
    return ReluSparsity.lambda(layerConf(), params.get(MoeFfn.RELU_EXPONENT));
  }

  @Override
  public int units() {
    return layerConf().getNExperts();
  }

  /** Expert u's FFN, act(x W1 + b1) W2 + b2, on every row of the last forward pass, whether routed to it or not. */
  @Override
  public INDArray unitOutput(int u) {
    Preconditions.checkState(rows != null, "%s: no forward pass yet", layerConf().getLayerName());
    Preconditions.checkElementIndex(u, units(), "expert");
    return new ExpertDispatch(layerConf(), buffers, cores).expertOutput(u, rows.x(), params);
  }

  @Override
  public void clear() {
    super.clear();
    router = null;
  }

  /** Each token is routed and transformed on its own (at inference no capacity couples the tokens of a pass, MoeFfn#capacityAtInference), so a step is the ordinary forward on the new tokens. */
  @Override
  protected StepMode stepMode() {
    return StepMode.PER_TOKEN;
  }
}
