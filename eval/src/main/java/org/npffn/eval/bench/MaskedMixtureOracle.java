package org.npffn.eval.bench;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.moe.MoeFfn;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.ffn.Gelu;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.ScratchBuffers;
import org.npffn.stack.routing.Routing;

/**
 * The dense "run every expert on every token, then mask" MoE: the benchmark's baseline (moe-masked) and a test
 * oracle of the sparse layer, never a training path, so it lives with the bench and not in moe-baseline. With a gate matrix G [N, E] (the routed gates, 0 where a token does not use an
 * expert) it computes y = Σ_e G[:, e] ⊙ FFN_e(x) as two large gemms: every expert's W1 side by side
 * [d, E·d_e·p], then the gated hidden units [N, E·d_e] times the stacked W2 [E·d_e, d]. Batched, so a
 * "k of E is faster than all E" comparison measures sparsity and not a slow baseline.
 */
final class MaskedMixtureOracle {
  private final MoeFfn conf;
  private final Map<String, INDArray> params;
  private final ScratchBuffers buffers = new ScratchBuffers();
  private INDArray x;
  private INDArray gates;
  private INDArray w1cat;
  private INDArray w2cat;

  MaskedMixtureOracle(MoeFfn conf, Map<String, INDArray> params) {
    this.conf = conf;
    this.params = params;
  }

  /** G [N, E] from a routing: the gate of each kept choice; dropped choices and padding give 0. */
  static INDArray gateMatrix(Routing r, DataType dt) {
    return Nd4j.create(r.gateMatrix(), new long[] {r.tokens(), r.experts()}, dt);
  }

  /**
   * Forward of the experts (and shared experts) under gates G; rows where {@code rowMask} is 0 give 0.
   *
   * @param x [N, d]
   * @param g [N, E]
   * @param rowMask [N, 1] or null
   */
  INDArray forward(INDArray x, INDArray g, INDArray rowMask) {
    this.x = x;
    this.gates = g;
    DataType dt = x.dataType();
    long n = x.size(0);
    long d = conf.getNIn();
    int e = conf.getNExperts();
    long h = conf.getExpertHidden();
    long up = conf.getActivation().inputProjections() * h;
    // every expert side by side: W1cat [d, E·up], b1cat [1, E·up], W2cat [E·h, d], b2cat [E, d]
    w1cat = buffers.get("w1cat", dt, d, e * up);
    INDArray b1cat = buffers.get("b1cat", dt, 1, e * up);
    w2cat = buffers.get("w2cat", dt, e * h, d);
    INDArray b2cat = buffers.get("b2cat", dt, e, d);
    for (int i = 0; i < e; i++) {
      w1cat.get(all(), interval(i * up, (i + 1) * up)).assign(params.get(MoeFfn.expertKey(i, MoeFfn.W1)));
      b1cat.get(all(), interval(i * up, (i + 1) * up)).assign(params.get(MoeFfn.expertKey(i, MoeFfn.B1)));
      w2cat.get(interval(i * h, (i + 1) * h), all()).assign(params.get(MoeFfn.expertKey(i, MoeFfn.W2)));
      b2cat.getRow(i).assign(params.get(MoeFfn.expertKey(i, MoeFfn.B2)));
    }
    INDArray pre = buffers.get("pre", dt, n, e * up); //                               [N, E·up]
    Nd4j.gemm(x, w1cat, pre, false, false, 1.0, 0.0);
    pre.addiRowVector(b1cat);
    INDArray sig = buffers.get("sig", dt, n, e * h);
    INDArray hid = buffers.get("hid", dt, n, e * h); //                                [N, E·h]
    INDArray z = gatePart(pre, n, e, h);
    Gelu.sigmoidWeighted(z, conf.getActivation() == FfnActivation.GELU ? Gelu.SLOPE : 1.0,
        sig.reshape('c', n, e, h), hid.reshape('c', n, e, h));
    if (conf.getActivation() == FfnActivation.SWIGLU) {
      hid.reshape('c', n, e, h).muli(upPart(pre, n, e, h));
    }
    // gated hidden units: block e scaled by G[:, e]
    INDArray hidG = buffers.get("hidG", dt, n, e * h);
    hidG.reshape('c', n, e, h).assign(hid.reshape('c', n, e, h)).muli(g.reshape('c', n, e, 1));
    INDArray y = buffers.get("y", dt, n, d);
    Nd4j.gemm(hidG, w2cat, y, false, false, 1.0, 0.0);
    Nd4j.gemm(g, b2cat, y, false, false, 1.0, 1.0);
    if (conf.getNShared() > 0) {
      FfnKernel.Work shared = sharedWork(dt, n);
      FfnKernel.forward(x, sharedWeights(params), conf.getActivation(), shared);
      y.addi(shared.y());
    }
    if (rowMask != null) {
      y.muliColumnVector(rowMask);
    }
    return y;
  }

  /**
   * Backward of the experts (and shared experts) under the forward's gates, with the gates held fixed: fills
   * the expert and shared gradients of {@code grads} (keys as the layer's parameters) and returns dL/dx through the
   * experts [N, d]. dy must already be masked.
   */
  INDArray backward(INDArray dy, Map<String, INDArray> grads) {
    DataType dt = dy.dataType();
    long n = x.size(0);
    long d = conf.getNIn();
    int e = conf.getNExperts();
    long h = conf.getExpertHidden();
    long up = conf.getActivation().inputProjections() * h;
    INDArray pre = buffers.get("pre", dt, n, e * up);
    INDArray sig = buffers.get("sig", dt, n, e * h);
    INDArray hid = buffers.get("hid", dt, n, e * h);
    INDArray hidG = buffers.get("hidG", dt, n, e * h);
    // forward was y = hidG W2cat + G b2cat: dW2cat = hidG^T dy, db2cat = G^T dy, dhidG = dy W2cat^T
    INDArray dW2cat = buffers.get("dW2cat", dt, e * h, d);
    Nd4j.gemm(hidG, dy, dW2cat, true, false, 1.0, 0.0);
    INDArray db2cat = buffers.get("db2cat", dt, e, d);
    Nd4j.gemm(gates, dy, db2cat, true, false, 1.0, 0.0);
    INDArray dHid = buffers.get("dHid", dt, n, e * h);
    Nd4j.gemm(dy, w2cat, dHid, false, true, 1.0, 0.0);
    // forward was hidG = hid ⊙ G (per block): dhid = dhidG ⊙ G
    dHid.reshape('c', n, e, h).muli(gates.reshape('c', n, e, 1));
    // forward was hid = z·s (GELU) or silu(z)·u (SwiGLU), s = σ(a·z): as FfnKernel, written over pre
    INDArray z = gatePart(pre, n, e, h);
    INDArray s3 = sig.reshape('c', n, e, h);
    INDArray d3 = dHid.reshape('c', n, e, h);
    if (conf.getActivation() == FfnActivation.GELU) {
      Gelu.backward(z, s3, hid.reshape('c', n, e, h), d3);
    } else {
      INDArray u = upPart(pre, n, e, h);
      INDArray silu = z.mul(s3);
      INDArray dz = s3.rsub(1.0).muli(silu).addi(s3).muli(u).muli(d3);
      u.assign(silu.muli(d3));
      z.assign(dz);
    }
    // forward was pre = x W1cat + b1cat
    INDArray dW1cat = buffers.get("dW1cat", dt, d, e * up);
    Nd4j.gemm(x, pre, dW1cat, true, false, 1.0, 0.0);
    INDArray db1cat = ColumnSums.into(pre, buffers.get("db1cat", dt, 1, e * up), buffers);
    for (int i = 0; i < e; i++) {
      grads.get(MoeFfn.expertKey(i, MoeFfn.W1)).assign(dW1cat.get(all(), interval(i * up, (i + 1) * up)));
      grads.get(MoeFfn.expertKey(i, MoeFfn.B1)).assign(db1cat.get(all(), interval(i * up, (i + 1) * up)));
      grads.get(MoeFfn.expertKey(i, MoeFfn.W2)).assign(dW2cat.get(interval(i * h, (i + 1) * h), all()));
      grads.get(MoeFfn.expertKey(i, MoeFfn.B2)).assign(db2cat.getRow(i, true));
    }
    INDArray dx = buffers.get("dx", dt, n, d);
    Nd4j.gemm(pre, w1cat, dx, false, true, 1.0, 0.0);
    if (conf.getNShared() > 0) {
      INDArray dxShared = buffers.get("dxShared", dt, n, d);
      FfnKernel.backward(x, sharedWeights(params), conf.getActivation(), sharedWork(dt, n), dy,
          sharedWeights(grads), dxShared, buffers);
      dx.addi(dxShared);
    }
    return dx;
  }

  /** The activation's input z per expert, [N, E, h] view of pre. */
  private INDArray gatePart(INDArray pre, long n, int e, long h) {
    if (conf.getActivation() == FfnActivation.GELU) {
      return pre.reshape('c', n, e, h);
    }
    return pre.reshape('c', n, e, 2, h).get(all(), all(), point(0), all());
  }

  /** SwiGLU's up half per expert, [N, E, h] view of pre. */
  private static INDArray upPart(INDArray pre, long n, int e, long h) {
    return pre.reshape('c', n, e, 2, h).get(all(), all(), point(1), all());
  }

  private FfnKernel.Work sharedWork(DataType dt, long n) {
    return FfnKernel.arrays(buffers, "shared.", dt, n, conf.getNIn(), conf.getNShared() * conf.getExpertHidden(),
        conf.getActivation());
  }

  private static FfnWeights sharedWeights(Map<String, INDArray> table) {
    return FfnWeights.from(table, MoeFfn.SHARED_W1, MoeFfn.SHARED_B1, MoeFfn.SHARED_W2, MoeFfn.SHARED_B2);
  }
}
