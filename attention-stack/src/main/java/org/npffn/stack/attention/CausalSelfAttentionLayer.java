package org.npffn.stack.attention;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link CausalSelfAttention} on rows [N, C], N = B*T.
 *
 * <p>Heads are batched: the B*nh per-head products run as one rank-3 matmul into a preallocated output, which
 * is several times faster in ND4J than a loop of per-head gemms. The softmax, its scale and its masks run in
 * one pass per row ({@link MaskedSoftmax}): a key the query does not see gets weight exactly 0. Outputs at padded
 * query positions are 0, so padding leaks nowhere downstream.
 *
 * <p>Under rnnTimeStep the layer keeps a KV cache ({@link KvCache}): the keys and values of every earlier position
 * of each sequence, [B, nh, S, hs] each, and which of those positions were real [B, S]. A step of T new tokens
 * attends from its queries to the S + T keys under the same visibility as the full forward, so its rows equal the
 * full forward's rows (docs/generation.md).
 */
public class CausalSelfAttentionLayer extends SequenceLayer<CausalSelfAttention> {
  /** Step state: the keys of every position stepped so far, [B, nh, S, hs]. */
  static final String KEYS = "keys";
  /** Step state: the values of every position stepped so far, [B, nh, S, hs]. */
  static final String VALUES = "values";
  /** Step state: 1 for each real position stepped so far, 0 for padding, [B, S]. */
  static final String KEY_MASK = "keyMask";

  /** The keys and values of the positions stepped so far, when stepping. */
  private final KvCache kvCache = new KvCache();

  public CausalSelfAttentionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Attention is causal within each sequence: a training step may run in blocks of sequences (SequenceBlocks). */
  @Override
  protected boolean sequencesIndependent() {
    return true;
  }

  @Override
  protected StepMode stepMode() {
    return StepMode.CARRIES_STATE;
  }

  @Override
  protected List<String> stepStateKeys() {
    return List.of(KEYS, VALUES, KEY_MASK);
  }

  /** The state put back is copied into the cache's buffers now, so that the next step does not pay for it. */
  @Override
  public void rnnSetPreviousState(Map<String, INDArray> state) {
    super.rnnSetPreviousState(state);
    if (stepState.get(KEYS) != null) {
      kvCache.adopt(stepState, 0);
    }
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    if (isStepping()) {
      return forwardStep(in, rowMask);
    }
    CausalSelfAttention c = layerConf();
    INDArray x = in.x(); //                                                   [N, C]
    DataType dt = x.dataType();
    long b = in.batch();
    long t = in.length();
    long n = in.tokens();
    long ch = c.getNIn();
    long nh = c.getNHeads();
    long hs = c.headSize();

    // 1. qkv = x Wqkv + bqkv                                                 [N, 3C]
    INDArray qkv = buffers.get("qkv", dt, n, 3 * ch);
    Nd4j.gemm(x, params.get(CausalSelfAttention.W_QKV), qkv, false, false, 1.0, 0.0);
    qkv.addiRowVector(params.get(CausalSelfAttention.B_QKV));

    // 2. split heads: [N, 3C] -> [B, T, 3, nh, hs] -> 3 x [B, nh, T, hs] -> [B*nh, T, hs]
    INDArray qkv5 = qkv.reshape('c', b, t, 3, nh, hs);
    INDArray q = heads("q", qkv5, 0, dt, b, t, nh, hs);
    INDArray k = heads("k", qkv5, 1, dt, b, t, nh, hs);
    INDArray v = heads("v", qkv5, 2, dt, b, t, nh, hs);

    // 3. att = softmax(q k^T / sqrt(hs)) over the keys each query sees       [B*nh, T, T]
    INDArray att = buffers.get("att", dt, b * nh, t, t);
    Nd4j.matmul(q, k, att, false, true, false);
    double[] mask = rowMask == null ? null : RowGather.values(rowMask);
    MaskedSoftmax.forward(att, 1.0 / Math.sqrt(hs), new MaskedSoftmax.Visibility(nh, 0, c.isCausal(), mask, mask));

    // 4. y = att v, heads merged: [B*nh, T, hs] -> [B, T, nh, hs] -> [N, C]
    INDArray yh = buffers.get("yh", dt, b * nh, t, hs);
    Nd4j.matmul(att, v, yh, false, false, false);
    INDArray ym = buffers.get("ym", dt, b, t, nh, hs);
    ym.assign(yh.reshape('c', b, nh, t, hs).permute(0, 2, 1, 3));
    INDArray y = ym.reshape('c', n, ch);

    // 5. out = (y Wo + bo) ⊙ mask                                            [N, C]
    INDArray out = buffers.get("out", dt, n, ch);
    Nd4j.gemm(y, params.get(CausalSelfAttention.W_OUT), out, false, false, 1.0, 0.0);
    out.addiRowVector(params.get(CausalSelfAttention.B_OUT));
    if (rowMask != null) {
      out.muliColumnVector(rowMask);
    }
    return out;
  }

  /**
   * One rnnTimeStep: the forward above for T new tokens whose keys and values join the S cached ones. Query i
   * of the step sits at position S + i and sees keys j <= S + i that are real.
   */
  private INDArray forwardStep(SequenceRows in, INDArray rowMask) {
    CausalSelfAttention c = layerConf();
    INDArray x = in.x(); //                                                   [N, C]
    DataType dt = x.dataType();
    long b = in.batch();
    long t = in.length();
    long n = in.tokens();
    long ch = c.getNIn();
    long nh = c.getNHeads();
    long hs = c.headSize();

    // 1-2. qkv = x Wqkv + bqkv, split into heads                            [B*nh, T, hs] each
    INDArray qkv = buffers.get("qkv", dt, n, 3 * ch);
    Nd4j.gemm(x, params.get(CausalSelfAttention.W_QKV), qkv, false, false, 1.0, 0.0);
    qkv.addiRowVector(params.get(CausalSelfAttention.B_QKV));
    INDArray qkv5 = qkv.reshape('c', b, t, 3, nh, hs);
    INDArray q = heads("q", qkv5, 0, dt, b, t, nh, hs);
    INDArray k = heads("k", qkv5, 1, dt, b, t, nh, hs);
    INDArray v = heads("v", qkv5, 2, dt, b, t, nh, hs);

    // the cache grows by this step's keys, values and mask                  [B*nh, S+T, hs], [B, S+T]
    KvCache.Window cached = kvCache.append(stepState, k.reshape('c', b, nh, t, hs), v.reshape('c', b, nh, t, hs),
        rowMask == null ? null : rowMask.reshape('c', b, t));
    long s = cached.past();
    long all = s + t;

    // 3. att = softmax(q K^T / sqrt(hs)) over the keys each query sees       [B*nh, T, S+T]
    //    (in a buffer with the cache's room: its first S+T columns, so that it is not re-allocated each step);
    //    query i sits at S + i, so every cached key is earlier and the causal mask applies among the new keys
    INDArray att = buffers.get("stepAtt", dt, b * nh, t, cached.capacity()).get(all(), all(), interval(0, all));
    Nd4j.matmul(q, cached.keys(), att, false, true, false);
    double[] queryMask = rowMask == null ? null : RowGather.values(rowMask);
    double[] keyMask = cached.allReal() ? null : RowGather.values(cached.mask());
    MaskedSoftmax.forward(att, 1.0 / Math.sqrt(hs),
        new MaskedSoftmax.Visibility(nh, s, c.isCausal(), queryMask, keyMask));

    // 4. y = att V, heads merged                                             [N, C]
    INDArray yh = buffers.get("yh", dt, b * nh, t, hs);
    Nd4j.matmul(att, cached.values(), yh, false, false, false);
    INDArray ym = buffers.get("ym", dt, b, t, nh, hs);
    ym.assign(yh.reshape('c', b, nh, t, hs).permute(0, 2, 1, 3));

    // 5. out = (y Wo + bo) ⊙ mask                                            [N, C]
    INDArray out = buffers.get("out", dt, n, ch);
    Nd4j.gemm(ym.reshape('c', n, ch), params.get(CausalSelfAttention.W_OUT), out, false, false, 1.0, 0.0);
    out.addiRowVector(params.get(CausalSelfAttention.B_OUT));
    if (rowMask != null) {
      out.muliColumnVector(rowMask);
    }
    return out;
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    CausalSelfAttention c = layerConf();
    INDArray x = rows.x();
    DataType dt = x.dataType();
    long b = rows.batch();
    long t = rows.length();
    long n = rows.tokens();
    long ch = c.getNIn();
    long nh = c.getNHeads();
    long hs = c.headSize();
    INDArray q = buffers.get("q", dt, b * nh, t, hs);
    INDArray k = buffers.get("k", dt, b * nh, t, hs);
    INDArray v = buffers.get("v", dt, b * nh, t, hs);
    INDArray att = buffers.get("att", dt, b * nh, t, t);
    INDArray y = buffers.get("ym", dt, b, t, nh, hs).reshape('c', n, ch);

    // 5. forward was out = (y Wo + bo) ⊙ m: dWo = y^T (dOut ⊙ m), dbo = sum (dOut ⊙ m), dy = (dOut ⊙ m) Wo^T
    INDArray dO = dOut;
    if (rowMask != null) {
      dO = buffers.get("dOutMasked", dt, n, ch).assign(dOut).muliColumnVector(rowMask);
    }
    Nd4j.gemm(y, dO, gradViews.get(CausalSelfAttention.W_OUT), true, false, 1.0, 0.0);
    ColumnSums.into(dO, gradViews.get(CausalSelfAttention.B_OUT), buffers);
    INDArray dy = buffers.get("dym", dt, n, ch);
    Nd4j.gemm(dO, params.get(CausalSelfAttention.W_OUT), dy, false, true, 1.0, 0.0);

    // 4. forward was y = att v (per head): datt = dy v^T, dv = att^T dy
    INDArray dyh = buffers.get("dyh", dt, b * nh, t, hs);
    dyh.reshape('c', b, nh, t, hs).assign(dy.reshape('c', b, t, nh, hs).permute(0, 2, 1, 3));
    INDArray dAtt = buffers.get("datt", dt, b * nh, t, t);
    Nd4j.matmul(dyh, v, dAtt, false, true, false);
    INDArray dv = buffers.get("dv", dt, b * nh, t, hs);
    Nd4j.matmul(att, dyh, dv, true, false, false);

    // 3. forward was att = softmax(s / sqrt(hs)) over the keys each query sees:
    //    ds = att ⊙ (datt - sum_j datt ⊙ att) / sqrt(hs), 0 where a key is hidden (att = 0 there)
    MaskedSoftmax.backward(att, dAtt, 1.0 / Math.sqrt(hs), new MaskedSoftmax.Visibility(nh, 0, c.isCausal(),
        null, null));
    //    dq = ds k, dk = ds^T q
    INDArray dq = buffers.get("dq", dt, b * nh, t, hs);
    Nd4j.matmul(dAtt, k, dq, false, false, false);
    INDArray dk = buffers.get("dk", dt, b * nh, t, hs);
    Nd4j.matmul(dAtt, q, dk, true, false, false);

    // 2. forward split heads: merge dq, dk, dv back into dqkv               [N, 3C]
    INDArray dqkv = buffers.get("dqkv", dt, n, 3 * ch);
    INDArray dqkv5 = dqkv.reshape('c', b, t, 3, nh, hs);
    mergeHeads(dq, dqkv5, 0, b, t, nh, hs);
    mergeHeads(dk, dqkv5, 1, b, t, nh, hs);
    mergeHeads(dv, dqkv5, 2, b, t, nh, hs);

    // 1. forward was qkv = x Wqkv + bqkv: dWqkv = x^T dqkv, dbqkv = sum dqkv, dx = dqkv Wqkv^T
    Nd4j.gemm(x, dqkv, gradViews.get(CausalSelfAttention.W_QKV), true, false, 1.0, 0.0);
    ColumnSums.into(dqkv, gradViews.get(CausalSelfAttention.B_QKV), buffers);
    INDArray dx = buffers.get("dx", dt, n, ch);
    Nd4j.gemm(dqkv, params.get(CausalSelfAttention.W_QKV), dx, false, true, 1.0, 0.0);
    return dx;
  }

  /**
   * The attention weights of the last forward pass, [B, nh, T, T]: row (b, h, t) is the distribution of
   * query t over the keys. A copy, for inspection and tests.
   */
  public INDArray attentionWeights() {
    if (rows == null) {
      throw new IllegalStateException(layerId() + ": no forward pass yet");
    }
    List<? extends SequenceLayer<CausalSelfAttention>> shards = lastForwardShards();
    if (!shards.isEmpty()) {
      INDArray[] parts = new INDArray[shards.size()];
      for (int i = 0; i < parts.length; i++) {
        parts[i] = ((CausalSelfAttentionLayer) shards.get(i)).attentionWeights();
      }
      return Nd4j.concat(0, parts);
    }
    long b = rows.batch();
    long t = rows.length();
    long nh = layerConf().getNHeads();
    return buffers.get("att", rows.x().dataType(), b * nh, t, t).reshape('c', b, nh, t, t).dup();
  }

  /** [B, T, 3, nh, hs] slot {@code which} -> a [B*nh, T, hs] buffer. */
  private INDArray heads(String name, INDArray qkv5, int which, DataType dt, long b, long t, long nh, long hs) {
    INDArray h = buffers.get(name, dt, b * nh, t, hs);
    h.reshape('c', b, nh, t, hs).assign(qkv5.get(all(), all(), point(which), all(), all()).permute(0, 2, 1, 3));
    return h;
  }

  /** [B*nh, T, hs] -> slot {@code which} of [B, T, 3, nh, hs]. */
  private static void mergeHeads(INDArray h, INDArray qkv5, int which, long b, long t, long nh, long hs) {
    qkv5.get(all(), all(), point(which), all(), all()).assign(h.reshape('c', b, nh, t, hs).permute(0, 2, 1, 3));
  }
}
