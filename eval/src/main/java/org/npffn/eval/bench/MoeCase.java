package org.npffn.eval.bench;

import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.moe.MaskedMixtureOracle;
import org.npffn.moe.MoeFfn;
import org.npffn.moe.Overflow;
import org.npffn.moe.Routing;
import org.npffn.moe.TopKRouter;

/**
 * "moe/E=n": forward + backward of the sparse MoE layer (linear softmax router, aux loss on).
 * "moe-masked/E=n": the same experts run densely on every token and masked by the gates
 * ({@link MaskedMixtureOracle}, two batched gemms), with the same router forward and top-k.
 */
public final class MoeCase implements BenchCase {
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
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    if (!masked) {
      layer.setInput(x, mgr);
      INDArray y = layer.activate(true, mgr);
      INDArray dx = layer.backpropGradient(dy, mgr).getSecond();
      return y.getDouble(0, 0, 0) + dx.getDouble(batch - 1, length - 1, width - 1);
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
    INDArray y = oracle.forward(rows, MaskedMixtureOracle.gateMatrix(r, DataType.FLOAT), null);
    Map<String, INDArray> grads = new HashMap<>();
    for (int i = 0; i < experts; i++) {
      for (String key : new String[] {MoeFfn.W1, MoeFfn.B1, MoeFfn.W2, MoeFfn.B2}) {
        grads.put(MoeFfn.expertKey(i, key), layer.getParam(MoeFfn.expertKey(i, key)).like());
      }
    }
    INDArray dx = oracle.backward(dy.reshape('c', n, width), grads);
    return y.getDouble(0, 0) + dx.getDouble(n - 1, width - 1);
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
