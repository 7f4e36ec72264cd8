package org.npffn.eval.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.moe.MoeFfn;
import org.npffn.moe.MoeFfnLayer;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.routing.Routing;
import org.npffn.stack.routing.TopKRouter;

/**
 * "moe/E=n": forward + backward of the sparse MoE layer (linear softmax router, aux loss on).
 * "moe-masked/E=n": the same experts run densely on every token and masked by the gates
 * ({@link MaskedMixtureOracle}, two batched gemms), with the same router forward and top-k. Both are checked
 * against {@link MoeReference}: the masked one with the gates held fixed, as its backward holds them.
 */
public final class MoeCase implements BenchCase {
  private static final String AGAINST = "per-expert plain FFN formulas and router backward in double precision "
      + "(MoeReference)";
  private final int batch;
  private final int length;
  private final int width;
  private final int experts;
  private final int topK;
  private final int expertHidden;
  private final boolean masked;
  private Layer layer;
  private MoeFfn conf;
  private INDArray x;
  private INDArray dy;
  /** The masked case's routing of its last step, which its reference follows at near ties. */
  private Routing maskedRouting;

  public MoeCase(int batch, int length, int width, int experts, int topK, int expertHidden, boolean masked) {
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.experts = experts;
    this.topK = topK;
    this.expertHidden = expertHidden;
    this.masked = masked;
  }

  @Override
  public String name() {
    return (masked ? "moe-masked/E=" : "moe/E=") + experts;
  }

  @Override
  public void setUp() {
    conf = new MoeFfn.Builder().nExperts(experts).topK(topK).expertHidden(expertHidden).auxLossWeight(0.01)
        .build();
    layer = SingleLayer.instantiate(conf, width, length);
    conf = (MoeFfn) layer.conf().getLayer();
    // biases start at zero: random ones, so a kernel that drops a bias fails its reference
    for (int i = 0; i < experts; i++) {
      INDArray b1 = layer.getParam(MoeFfn.expertKey(i, MoeFfn.B1));
      INDArray b2 = layer.getParam(MoeFfn.expertKey(i, MoeFfn.B2));
      b1.assign(Nd4j.randn(DataType.FLOAT, b1.shape()).muli(0.1));
      b2.assign(Nd4j.randn(DataType.FLOAT, b2.shape()).muli(0.1));
    }
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    Map<String, INDArray> r = step();
    INDArray y = r.get("y");
    INDArray dx = r.get("dx");
    if (masked) { //                                      the masked oracle returns rows [N, C], the layer [B, T, C]
      return y.getDouble(0, 0) + dx.getDouble((long) batch * length - 1, width - 1);
    }
    return y.getDouble(0, 0, 0) + dx.getDouble(batch - 1, length - 1, width - 1);
  }

  /** The timed work: y, dx and the parameter gradients (the masked oracle's: the experts' only). */
  Map<String, INDArray> step() {
    if (!masked) {
      return SingleLayer.trainingStep(layer, x, dy);
    }
    int n = batch * length;
    INDArray rows = x.reshape('c', n, width);
    // the same router forward: logits, softmax, top-k
    INDArray logits = rows.mmul(layer.getParam(MoeFfn.ROUTER));
    double[] p = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, false).dup('c').data().asDouble();
    boolean[] real = new boolean[n];
    java.util.Arrays.fill(real, true);
    Routing r = TopKRouter.route(p, p, real, experts, topK, Integer.MAX_VALUE, Overflow.DROP, true);
    MaskedMixtureOracle oracle = new MaskedMixtureOracle(conf, layer.paramTable());
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", oracle.forward(rows, MaskedMixtureOracle.gateMatrix(r, DataType.FLOAT), null));
    Map<String, INDArray> grads = new LinkedHashMap<>();
    for (int i = 0; i < experts; i++) {
      for (String key : new String[] {MoeFfn.W1, MoeFfn.B1, MoeFfn.W2, MoeFfn.B2}) {
        grads.put(MoeFfn.expertKey(i, key), layer.getParam(MoeFfn.expertKey(i, key)).like());
      }
    }
    out.put("dx", oracle.backward(dy.reshape('c', n, width), grads));
    grads.forEach((key, g) -> out.put("d" + key, g));
    maskedRouting = r;
    return out;
  }

  /** The last step by {@link MoeReference}, on the same inputs and parameters, routed as that step was. */
  Map<String, INDArray> reference() {
    long n = (long) batch * length;
    Routing routing = masked ? maskedRouting : ((MoeFfnLayer) layer).lastRouting();
    return MoeReference.step(conf, layer.paramTable(), x.reshape('c', n, width), dy.reshape('c', n, width),
        routing.choiceExpert(), !masked);
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = step();
    return ReferenceCheck.compare(masked ? AGAINST + ", gates held fixed" : AGAINST,
        ReferenceCheck.FLOAT32_TOLERANCE, ran, reference());
  }

  @Override
  public double flops() {
    double n = (double) batch * length;
    double expert = 2.0 * (2.0 * width * expertHidden);
    double router = 2.0 * width * experts;
    // forward + backward = 3 x forward; the masked oracle computes all E experts for every token
    return 3 * n * (router + (masked ? experts : topK) * expert);
  }

  @Override
  public String shape() {
    return String.format("N=%d, d=%d, E=%d, k=%d, d_e=%d, softmax, aux loss%s", batch * length, width, experts,
        topK, expertHidden, masked ? ", all experts on all tokens" : "");
  }
}
