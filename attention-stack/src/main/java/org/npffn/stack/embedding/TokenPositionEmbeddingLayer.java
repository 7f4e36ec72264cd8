package org.npffn.stack.embedding;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.ColumnSums;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link TokenPositionEmbedding}. Forward gathers table rows into a preallocated array; the
 * backward scatter-adds the output gradient into the table gradient in plain Java (one pass over N rows),
 * which beats ND4J's ScatterAdd op here.
 *
 * <p>A token's position is the number of real tokens before it in its sequence (HF's position ids from the
 * attention mask): t itself when padding only follows the text, as in training windows, and the same numbers
 * for a left-padded prompt as for the prompt alone. Under rnnTimeStep the layer carries each sequence's count
 * of real tokens and of all tokens stepped; a step past {@code maxLength} is refused with the limit named.
 */
public class TokenPositionEmbeddingLayer extends SequenceLayer<TokenPositionEmbedding> {
  /** Step state: real tokens of each sequence so far [B] (the next real token's position). */
  static final String REAL_TOKENS = "realTokens";
  /** Step state: all tokens stepped so far, padding included [B] (the same for every sequence). */
  static final String STEPPED = "stepped";

  /** The validated ids of the last forward pass, row order n = b*T + t; padded positions hold 0. */
  private int[] ids;
  /** Each row's position when some row's is not its t (padding before text, or a step): null when all are t. */
  private int[] positions;

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
    if (t > layerConf().getMaxLength() && !isStepping()) {
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
    boolean[] real = rowMask == null ? null : realRows(rowMask);
    positions = positions(real, (int) b, (int) t);

    // x = E[id]                                                              [N, C]
    INDArray x = buffers.get("x", dt, b * t, ch);
    gatherRows(params.get(TokenPositionEmbedding.TOKENS), ids, x);
    if (positions == null) {
      // x[b, t] += P[t]                                                      [B, T, C] + [1, T, C]
      INDArray pos = c.getPositions() == PositionEncoding.LEARNED
          ? params.get(TokenPositionEmbedding.POSITIONS).get(interval(0, t), all())
          : sinusoids(dt, t, ch);
      x.reshape('c', b, t, ch).addi(pos.reshape('c', 1, t, ch));
    } else {
      // x[n] += P[position(n)]                                               [N, C]
      int top = Arrays.stream(positions).max().orElse(0) + 1;
      INDArray table = c.getPositions() == PositionEncoding.LEARNED
          ? params.get(TokenPositionEmbedding.POSITIONS) : sinusoids(dt, top, ch);
      INDArray pos = buffers.get("positionRows", dt, b * t, ch);
      gatherRows(table, positions, pos);
      x.addi(pos);
    }
    if (rowMask != null) {
      x.muliColumnVector(rowMask);
    }
    if (isStepping()) {
      advance(real, (int) b, (int) t);
    }
    return x;
  }

  @Override
  protected StepMode stepMode() {
    return StepMode.CARRIES_STATE;
  }

  @Override
  protected List<String> stepStateKeys() {
    return List.of(REAL_TOKENS, STEPPED);
  }

  /**
   * Each row's position: the real tokens before it in its sequence, counted from the step state's count. null
   * when every real row's position is its t (the broadcast path). Refuses a step that would pass maxLength.
   */
  private int[] positions(boolean[] real, int b, int t) {
    long max = layerConf().getMaxLength();
    double[] start = isStepping() && !stepState.isEmpty() ? stepState.get(REAL_TOKENS).toDoubleVector() : null;
    long stepped = start == null ? 0 : stepState.get(STEPPED).getLong(0);
    if (stepped + t > max) {
      throw new IllegalArgumentException(String.format("%s: %d tokens stepped plus %d new ones pass maxLength = "
          + "%d, the length of the position embeddings; clear the state (rnnClearPreviousState) or generate with "
          + "a sliding window", layerId(), stepped, t, max));
    }
    if (real == null && stepped == 0) {
      return null;
    }
    int[] out = new int[b * t];
    boolean shifted = false;
    for (int s = 0; s < b; s++) {
      int p = start == null ? 0 : (int) start[s];
      for (int i = 0; i < t; i++) {
        int row = s * t + i;
        out[row] = p;
        boolean isReal = real == null || real[row];
        shifted |= isReal && p != i;
        if (isReal) {
          p++;
        }
      }
    }
    return shifted ? out : null;
  }

  /** After a step: each sequence's count of real tokens, and of all tokens, grows by this step's. */
  private void advance(boolean[] real, int b, int t) {
    double[] count = stepState.isEmpty() ? new double[b] : stepState.get(REAL_TOKENS).toDoubleVector();
    long stepped = stepState.isEmpty() ? 0 : stepState.get(STEPPED).getLong(0);
    for (int s = 0; s < b; s++) {
      for (int i = 0; i < t; i++) {
        count[s] += real == null || real[s * t + i] ? 1 : 0;
      }
    }
    double[] all = new double[b];
    Arrays.fill(all, stepped + t);
    stepState.put(REAL_TOKENS, Nd4j.createFromArray(count));
    stepState.put(STEPPED, Nd4j.createFromArray(all));
  }

  private static boolean[] realRows(INDArray rowMask) {
    double[] m = rowMask.data().asDouble();
    boolean[] real = new boolean[m.length];
    for (int n = 0; n < m.length; n++) {
      real[n] = m[n] != 0;
    }
    return real;
  }

  /** out[n] = table[index[n]], into the preallocated {@code out}. */
  private static void gatherRows(INDArray table, int[] index, INDArray out) {
    Gather gather = new Gather(table, Nd4j.createFromArray(index), 0);
    gather.addOutputArgument(out);
    Nd4j.exec(gather);
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
    if (c.getPositions() == PositionEncoding.LEARNED && positions != null) {
      // forward was x[n] += P[position(n)]: dP[p] = sum over n at position p of dy[n]
      double[] dP = new double[(int) (c.getMaxLength() * ch)];
      for (int n = 0; n < positions.length; n++) {
        int src = n * ch;
        int dst = positions[n] * ch;
        for (int j = 0; j < ch; j++) {
          dP[dst + j] += g[src + j];
        }
      }
      INDArray gradP = gradViews.get(TokenPositionEmbedding.POSITIONS);
      gradP.assign(Nd4j.create(dP, gradP.shape(), DataType.DOUBLE));
    } else if (c.getPositions() == PositionEncoding.LEARNED) {
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
    positions = null;
  }
}
