package org.npffn.eval.bench;

import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.moe.Gating;
import org.npffn.moe.MoeFfn;

/**
 * "moe-relu/E=n": forward + backward of the MoE layer with ReLU routing (ReMoE), its router fixed so that exactly
 * k of the E gates are positive for every token: the compute of a top-k MoE at its target sparsity 1 - k/E, so
 * its time compares with "moe/E=n" and "dense-ffn". Checked against {@link ReluMoeReference}.
 *
 * <p>The router: Wr = s·[I_E; 0] reads the first E features of x, and each token's first E features are
 * +(margin + |N(0,1)|) for its k experts (drawn at random, so loads vary as in real routing) and -(margin +
 * |N(0,1)|) for the others; the other d - E features are N(0,1). The margin keeps every logit far from ReLU's
 * kink, so float32 and the double-precision reference route alike.
 */
public final class ReluMoeCase implements BenchCase {
  private static final String AGAINST = "per-expert plain FFN formulas, ReLU router and L1 regulariser backward "
      + "in double precision (ReluMoeReference)";
  private static final double MARGIN = 0.5;
  private static final double ROUTER_SCALE = 0.5;
  private final int batch;
  private final int length;
  private final int width;
  private final int experts;
  private final int topK;
  private final int expertHidden;
  private Layer layer;
  private MoeFfn conf;
  private INDArray x;
  private INDArray dy;
  /** The λ of the last step (at exactly the target sparsity the controller leaves it where it is). */
  private double lambda;

  public ReluMoeCase(int batch, int length, int width, int experts, int topK, int expertHidden) {
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.experts = experts;
    this.topK = topK;
    this.expertHidden = expertHidden;
  }

  @Override
  public String name() {
    return "moe-relu/E=" + experts;
  }

  @Override
  public void setUp() {
    conf = new MoeFfn.Builder().nExperts(experts).topK(topK).expertHidden(expertHidden).gating(Gating.RELU)
        .reluShift(0).build(); // the router's construction fixes k of E gates open; a shift would move them
    layer = SingleLayer.instantiate(conf, width, length);
    conf = (MoeFfn) layer.conf().getLayer();
    for (int i = 0; i < experts; i++) {
      INDArray b1 = layer.getParam(MoeFfn.expertKey(i, MoeFfn.B1));
      INDArray b2 = layer.getParam(MoeFfn.expertKey(i, MoeFfn.B2));
      b1.assign(Nd4j.randn(DataType.FLOAT, b1.shape()).muli(0.1));
      b2.assign(Nd4j.randn(DataType.FLOAT, b2.shape()).muli(0.1));
    }
    INDArray wr = layer.getParam(MoeFfn.ROUTER).assign(0); //                                   [d, E]
    for (int i = 0; i < experts; i++) {
      wr.putScalar(i, i, ROUTER_SCALE);
    }
    int n = batch * length;
    Random rng = new Random(7);
    float[] v = new float[n * width];
    for (int t = 0; t < n; t++) {
      boolean[] on = new boolean[experts];
      for (int chosen = 0; chosen < topK; ) {
        int e = rng.nextInt(experts);
        chosen += on[e] ? 0 : 1;
        on[e] = true;
      }
      for (int c = 0; c < width; c++) {
        double g = rng.nextGaussian();
        v[t * width + c] = (float) (c >= experts ? g : (on[c] ? 1 : -1) * (MARGIN + Math.abs(g)));
      }
    }
    x = Nd4j.create(v, new long[] {batch, length, width}, 'c');
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    Map<String, INDArray> r = step();
    return r.get("y").getDouble(0, 0, 0) + r.get("dx").getDouble(batch - 1, length - 1, width - 1);
  }

  /**
   * The timed work: y, dx and the parameter gradients. The λ exponent's and the shift's slots are left out of what
   * is compared: they are state, always 0 (ReluSparsity), not gradients.
   */
  Map<String, INDArray> step() {
    lambda = conf.reluLambda(layer.getParam(MoeFfn.RELU_EXPONENT));
    Map<String, INDArray> out = SingleLayer.trainingStep(layer, x, dy);
    out.remove("d" + MoeFfn.RELU_EXPONENT);
    out.remove("d" + MoeFfn.RELU_SHIFT);
    return out;
  }

  /** The last step by {@link ReluMoeReference}, on the same inputs and parameters, with the λ it ran with. */
  Map<String, INDArray> reference() {
    long n = (long) batch * length;
    return ReluMoeReference.step(conf, layer.paramTable(), lambda, x.reshape('c', n, width),
        dy.reshape('c', n, width));
  }

  @Override
  public ReferenceCheck checkReference() {
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, step(), reference());
  }

  @Override
  public double flops() {
    double n = (double) batch * length;
    double expert = 2.0 * (2.0 * width * expertHidden);
    double router = 2.0 * width * experts;
    // forward + backward = 3 x forward; exactly k experts per token
    return 3 * n * (router + topK * expert);
  }

  @Override
  public String shape() {
    return String.format("N=%d, d=%d, E=%d, exactly k=%d gates > 0 per token, d_e=%d, ReLU router, L1 "
        + "regulariser", batch * length, width, experts, topK, expertHidden);
  }
}
