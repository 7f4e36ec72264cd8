package org.npffn.eval.bench;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.stack.attention.CausalSelfAttention;

/**
 * Causal multi-head self-attention and its backward in double precision, one sequence and one head at a time
 * with plain 2-D products (fresh arrays, no batched products, no scratch buffers, the mask as -inf entries and
 * the softmax as exp and a row sum): the reference the attention layer is checked against. The projections
 * follow the layer's parameter layout: the columns of Wqkv [C, 3C] are q, k, v, each as nh heads of hs.
 */
final class PlainAttention {
  private PlainAttention() {}

  /**
   * The output y [B·T, C], the input gradient dx [B·T, C] and the parameter gradients, by the names
   * {@link SingleLayer#results} gives them ("y", "dx", "d" + key).
   *
   * @param x [B, T, C] input
   * @param dy [B, T, C] dL/dy
   * @param params the layer's Wqkv [C, 3C], bqkv [1, 3C], Wo [C, C], bo [1, C]
   */
  static Map<String, INDArray> step(INDArray x, INDArray dy, Map<String, INDArray> params, int heads) {
    long b = x.size(0);
    long t = x.size(1);
    long ch = x.size(2);
    long hs = ch / heads;
    double scale = 1.0 / Math.sqrt(hs);
    INDArray wqkv = params.get(CausalSelfAttention.W_QKV).castTo(DataType.DOUBLE);
    INDArray bqkv = params.get(CausalSelfAttention.B_QKV).castTo(DataType.DOUBLE);
    INDArray wo = params.get(CausalSelfAttention.W_OUT).castTo(DataType.DOUBLE);
    INDArray bo = params.get(CausalSelfAttention.B_OUT).castTo(DataType.DOUBLE);
    INDArray y = Nd4j.create(DataType.DOUBLE, b * t, ch);
    INDArray dx = Nd4j.create(DataType.DOUBLE, b * t, ch);
    INDArray dWqkv = Nd4j.create(DataType.DOUBLE, ch, 3 * ch);
    INDArray dbqkv = Nd4j.create(DataType.DOUBLE, 1, 3 * ch);
    INDArray dWo = Nd4j.create(DataType.DOUBLE, ch, ch);
    INDArray dbo = Nd4j.create(DataType.DOUBLE, 1, ch);
    INDArray blocked = Nd4j.create(DataType.DOUBLE, t, t);
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        blocked.putScalar(i, j, Double.NEGATIVE_INFINITY);
      }
    }
    for (long s = 0; s < b; s++) {
      INDArray xs = x.get(point(s), all(), all()).castTo(DataType.DOUBLE);
      INDArray dOut = dy.get(point(s), all(), all()).castTo(DataType.DOUBLE);
      INDArray merged = Nd4j.create(DataType.DOUBLE, t, ch); //               the heads' outputs side by side
      INDArray dMerged = dOut.mmul(wo.transpose());
      INDArray dxs = Nd4j.create(DataType.DOUBLE, t, ch);
      for (int h = 0; h < heads; h++) {
        INDArray[] w = new INDArray[3];
        INDArray[] proj = new INDArray[3]; //                                  q, k, v of this head, [T, hs]
        for (int p = 0; p < 3; p++) {
          long from = p * ch + h * hs;
          w[p] = wqkv.get(all(), interval(from, from + hs));
          proj[p] = xs.mmul(w[p]).addRowVector(bqkv.get(all(), interval(from, from + hs)));
        }
        INDArray scores = proj[0].mmul(proj[1].transpose()).muli(scale).addi(blocked);
        INDArray e = Transforms.exp(scores.subColumnVector(scores.max(true, 1)), false);
        INDArray att = e.diviColumnVector(e.sum(true, 1)); //                   [T, T]
        merged.get(all(), interval(h * hs, (h + 1) * hs)).assign(att.mmul(proj[2]));
        // backward through y_h = att v, att = softmax(scores), scores = q k^T·scale
        INDArray dyh = dMerged.get(all(), interval(h * hs, (h + 1) * hs));
        INDArray dAtt = dyh.mmul(proj[2].transpose());
        INDArray dv = att.transpose().mmul(dyh);
        INDArray dScores = att.mul(dAtt.subColumnVector(dAtt.mul(att).sum(true, 1))).muli(scale);
        INDArray[] dProj = {dScores.mmul(proj[1]), dScores.transpose().mmul(proj[0]), dv};
        for (int p = 0; p < 3; p++) {
          long from = p * ch + h * hs;
          dWqkv.get(all(), interval(from, from + hs)).addi(xs.transpose().mmul(dProj[p]));
          dbqkv.get(all(), interval(from, from + hs)).addi(dProj[p].sum(true, 0));
          dxs.addi(dProj[p].mmul(w[p].transpose()));
        }
      }
      y.get(interval(s * t, (s + 1) * t), all()).assign(merged.mmul(wo).addRowVector(bo));
      dx.get(interval(s * t, (s + 1) * t), all()).assign(dxs);
      dWo.addi(merged.transpose().mmul(dOut));
      dbo.addi(dOut.sum(true, 0));
    }
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", y);
    out.put("dx", dx);
    out.put("d" + CausalSelfAttention.W_QKV, dWqkv);
    out.put("d" + CausalSelfAttention.B_QKV, dbqkv);
    out.put("d" + CausalSelfAttention.W_OUT, dWo);
    out.put("d" + CausalSelfAttention.B_OUT, dbo);
    return out;
  }
}
