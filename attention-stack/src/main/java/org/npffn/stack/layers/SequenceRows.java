package org.npffn.stack.layers;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A sequence batch seen as N = B*T token rows: the shape every token-wise layer computes on.
 *
 * <p>NWC input in c order is already [N, C] (a view, no copy); NCW input is transposed once into a scratch
 * buffer. Row n is token (b, t) with n = b*T + t.
 *
 * @param x the rows [N, C], c order
 * @param batch B
 * @param length T
 * @param format the layout the sequence arrived in (and leaves in)
 */
public record SequenceRows(INDArray x, long batch, long length, RNNFormat format) {

  public long tokens() {
    return batch * length;
  }

  public long width() {
    return x.size(1);
  }

  /** [B, C, T] or [B, T, C] -> [N, C]. */
  public static SequenceRows of(INDArray seq, RNNFormat format, ScratchBuffers buffers, String bufferName) {
    Preconditions.checkArgument(seq.rank() == 3, "expected a rank-3 sequence, got shape %s",
        java.util.Arrays.toString(seq.shape()));
    long b = seq.size(0);
    if (format == RNNFormat.NWC) {
      long t = seq.size(1);
      long c = seq.size(2);
      INDArray rows = seq.ordering() == 'c' && !seq.isView() ? seq.reshape('c', b * t, c)
          : buffers.get(bufferName, seq.dataType(), b, t, c).assign(seq).reshape('c', b * t, c);
      return new SequenceRows(rows, b, t, format);
    }
    long c = seq.size(1);
    long t = seq.size(2);
    // [B, C, T] -> [B, T, C]
    INDArray btc = buffers.get(bufferName, seq.dataType(), b, t, c).assign(seq.permute(0, 2, 1));
    return new SequenceRows(btc.reshape('c', b * t, c), b, t, format);
  }

  /** Rows [N, C'] in this batch's layout, copied into the workspace array type {@code type}. */
  public INDArray toSequence(INDArray rows, LayerWorkspaceMgr mgr, ArrayType type) {
    long c = rows.size(1);
    if (format == RNNFormat.NWC) {
      INDArray out = mgr.createUninitialized(type, rows.dataType(), new long[] {batch, length, c}, 'c');
      out.reshape('c', batch * length, c).assign(rows);
      return out;
    }
    // [B, T, C] -> [B, C, T]
    INDArray out = mgr.createUninitialized(type, rows.dataType(), new long[] {batch, c, length}, 'c');
    out.assign(rows.reshape('c', batch, length, c).permute(0, 2, 1));
    return out;
  }

  /**
   * The mask [B, T] as one 0/1 column [N, 1] of {@code type} in a scratch buffer (it must outlive the
   * forward's workspace), or null when every position counts.
   */
  public INDArray rowMask(INDArray mask, DataType type, ScratchBuffers buffers) {
    if (mask == null) {
      return null;
    }
    Preconditions.checkArgument(mask.length() == tokens(),
        "mask has shape %s but the input is B = %s by T = %s", java.util.Arrays.toString(mask.shape()),
        batch, length);
    return buffers.get("rowMask", type, tokens(), 1).assign(mask.reshape('c', tokens(), 1));
  }
}
