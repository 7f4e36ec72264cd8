package org.npffn.np;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * [x | r] side by side, [N, d + r] (buffer "xr"): the training up-projection reads it as [x | r] [W_up; U] and
 * the softmax selector as [x | r] [A_h; A_r], so U's and A_r's products ride in W_up's and A_h's gemms: one
 * gemm over d + r columns instead of a wide one plus a thin one, which runs at about half the speed on two BLAS
 * threads. The backward splits dL/d[x | r] (buffer "dxr") back into dL/dx and dL/dr.
 */
final class JointInput {
  private JointInput() {}

  /** Whether the layer keeps [x | r]: U or the softmax selector reads both. */
  static boolean used(NpFfn c) {
    return c.isContextProjection() || c.getGating() == GroupGating.SOFTMAX;
  }

  /** xr = [x | r] for x [N, d] and r [N·r]. */
  static void write(ScratchBuffers buffers, INDArray x, double[] r, int width) {
    INDArray xr = buffers.get("xr", x.dataType(), x.rows(), x.columns() + width); //            [N, d + r]
    ColumnBlock.write(x, xr, 0);
    ColumnBlock.write(r, width, xr, x.columns());
  }

  /**
   * dL/dx and dL/dr out of dL/d[x | r]: dx = dxr[:, :d] (overwritten when the up-projection wrote dxr, added to
   * dx otherwise), dr = dxr[:, d:] plus the FiLM selector's {@code drFilm} (null for softmax groups).
   *
   * @param dxr dL/d[x | r] [N, d + r], or null when {@link #used} is false
   * @return dL/dr [N·r]
   */
  static double[] split(NpFfn c, ScratchBuffers buffers, INDArray dxr, INDArray dx, INDArray drFilm) {
    int n = (int) dx.rows();
    long d = c.getNIn();
    int width = c.getContextWidth();
    // a memcpy per row (ColumnBlock), not ND4J's strided assign
    double[] dr = buffers.doubles("dr", n * width);
    if (c.isContextProjection()) {
      ColumnBlock.read(dxr, 0, dx);
    } else if (dxr != null) {
      dx.addi(dxr.get(all(), interval(0, d)));
    }
    if (dxr != null) {
      ColumnBlock.read(dxr, d, width, dr);
    } else {
      Arrays.fill(dr, 0.0);
    }
    if (drFilm != null) {
      double[] film = RowGather.values(drFilm, buffers.doubles("drFilm", n * width));
      for (int i = 0; i < dr.length; i++) {
        dr[i] += film[i];
      }
    }
    return dr;
  }
}
