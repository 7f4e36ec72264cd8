package org.npffn.stack.embedding;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;

/**
 * Implementation of {@link TokenPositionEmbedding}. Forward gathers table rows into a preallocated array; the
 * backward scatter-adds the output gradient into the table gradient in plain Java (one pass over N rows),
 * which beats ND4J's ScatterAdd op here.
 */
public class TokenPositionEmbeddingLayer extends SequenceLayer<TokenPositionEmbedding> {
  /** The validated ids of the last forward pass, row order n = b*T + t; padded positions hold 0. */
  private int[] ids;

  public TokenPositionEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Ids come in any numeric type and shape [B, T], [B, 1, T] or [B, T, 1]; an empty batch is refused here. */
  @Override
  protected void checkInput(INDArray ids) {
    if (ids.length() == 0) {
      throw new IllegalArgumentException(layerId() + ": empty input, shape " + Arrays.toString(ids.shape())
          + ": expected at least one sequence of at least one id");
    }
  }

  /** Ids [B, T], [B, 1, T] or [B, T, 1] -> rows [N, 1]. */
  @Override
  protected SequenceRows toRows(INDArray in) {
    long b = in.size(0);
    long t;
    if (in.rank() == 2) {
      t = in.size(1);
    } else if (in.rank() == 3 && in.size(1) == 1) {
      t = in.size(2);
    } else if (in.rank() == 3 && in.size(2) == 1) {
      t = in.size(1);
    } else {
      throw new IllegalArgumentException(layerId() + ": expects ids of shape [B, T] or [B, 1, T], got "
          + Arrays.toString(in.shape()));
    }
    if (t > layerConf().getMaxLength()) {
      throw new IllegalArgumentException(layerId() + ": sequence length " + t + " exceeds maxLength = "
          + layerConf().getMaxLength());
    }
    return new SequenceRows(in.reshape('c', b * t, 1), b, t, layerConf().getDataFormat());
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    TokenPositionEmbedding c = layerConf();
    DataType dt = dataType;
    long b = in.batch();
    long t = in.length();
    long ch = c.getNOut();
    ids = validIds(in, rowMask);

    // x = E[id]                                                              [N, C]
    INDArray x = buffers.get("x", dt, b * t, ch);
    Gather gather = new Gather(params.get(TokenPositionEmbedding.TOKENS), Nd4j.createFromArray(ids), 0);
    gather.addOutputArgument(x);
    Nd4j.exec(gather);
    // x[b, t] += P[t]                                                        [B, T, C] + [1, T, C]
    INDArray pos = c.getPositions() == PositionEncoding.LEARNED
        ? params.get(TokenPositionEmbedding.POSITIONS).get(interval(0, t), all())
        : sinusoids(dt, t, ch);
    x.reshape('c', b, t, ch).addi(pos.reshape('c', 1, t, ch));
    if (rowMask != null) {
      x.muliColumnVector(rowMask);
    }
    return x;
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    TokenPositionEmbedding c = layerConf();
    long t = rows.length();
    int ch = (int) c.getNOut();
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dOut.dataType(), dOut.size(0), ch).assign(dOut).muliColumnVector(rowMask);
    }
    // forward was x[n] = E[id[n]] + P[t(n)]: dE[v] = sum over n with id[n] = v of dy[n]
    double[] g = dy.dup('c').data().asDouble();
    double[] dE = new double[(int) (c.getNIn() * ch)];
    for (int n = 0; n < ids.length; n++) {
      int src = n * ch;
      int dst = ids[n] * ch;
      for (int j = 0; j < ch; j++) {
        dE[dst + j] += g[src + j];
      }
    }
    INDArray gradE = gradViews.get(TokenPositionEmbedding.TOKENS);
    gradE.assign(Nd4j.create(dE, gradE.shape(), DataType.DOUBLE));
    if (c.getPositions() == PositionEncoding.LEARNED) {
      // dP[t] = sum_b dy[b, t]; rows past T get 0
      INDArray gradP = gradViews.get(TokenPositionEmbedding.POSITIONS);
      gradP.assign(0);
      // sum over b as one gemm: [1, B] x [B, T*C]
      INDArray dP = buffers.get("dP", dy.dataType(), 1, t * ch);
      ColumnSums.into(dy.reshape('c', rows.batch(), t * ch), dP, buffers);
      gradP.get(interval(0, t), all()).assign(dP.reshape('c', t, ch));
    }
    return null;
  }

  private int[] validIds(SequenceRows in, INDArray rowMask) {
    double[] raw = in.x().dup('c').data().asDouble();
    double[] mask = rowMask == null ? null : rowMask.data().asDouble();
    long vocab = layerConf().getNIn();
    int[] out = new int[raw.length];
    for (int n = 0; n < raw.length; n++) {
      if (mask != null && mask[n] == 0) {
        continue;
      }
      double id = raw[n];
      if (id != Math.rint(id)) { // also NaN and infinities
        throw new IllegalArgumentException(String.format(
            "%s: id %s at position (b = %d, t = %d) is not an integer id (expected a whole number in [0, %d))",
            layerId(), id, n / in.length(), n % in.length(), vocab));
      }
      if (!(id >= 0 && id < vocab)) {
        throw new IllegalArgumentException(String.format(
            "%s: id %s at position (b = %d, t = %d) is outside the vocabulary [0, %d)", layerId(), id,
            n / in.length(), n % in.length(), vocab));
      }
      out[n] = (int) id;
    }
    return out;
  }

  /** PE [T, C] (Vaswani et al. 2017, §3.5). */
  private static INDArray sinusoids(DataType dt, long t, long ch) {
    double[] pe = new double[(int) (t * ch)];
    for (int p = 0; p < t; p++) {
      for (int i = 0; i < ch; i += 2) {
        double angle = p / Math.pow(10000.0, (double) i / ch);
        pe[(int) (p * ch + i)] = Math.sin(angle);
        pe[(int) (p * ch + i + 1)] = Math.cos(angle);
      }
    }
    return Nd4j.create(pe, new long[] {t, ch}, DataType.DOUBLE).castTo(dt);
  }

  @Override
  public void clear() {
    super.clear();
    ids = null;
  }
}
