package org.npffn.stack.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training step of a {@link SequenceLayer} in blocks of whole sequences, one block per worker
 * ({@link CoreParallel}), for layers whose rows depend only on rows of their own sequence.
 *
 * <p>Each block runs on a shard: another instance of the layer's own class over the same parameter views, with
 * its own scratch buffers, forward state and gradient array, so the forward and backward code is the layer's,
 * unchanged, on fewer rows. The parameter gradients are the sum of the shards' (shard 0 writes into the
 * layer's own gradient views); outputs and input gradients are copied back into whole-batch rows.
 *
 * <p>Why: the elementwise ops, Java loops and thin gemms of a step, which one BLAS call cannot spread over two
 * cores, then run on both, and two single-threaded gemms on different rows lose nothing against one gemm on two
 * threads; a dense or NP step in two blocks is faster than whole (docs/benchmarks.md).
 */
final class SequenceBlocks<C extends SequenceLayerConf> {
  /**
   * Blocks are at least this many tokens: each block costs a hand-off to another thread and a sum of the whole
   * gradient, which small steps (tests, short sequences) do not win back.
   */
  static final long MIN_BLOCK_TOKENS = 512;

  private final SequenceLayer<C> owner;
  private final CoreParallel cores;
  private final List<SequenceLayer<C>> shards = new ArrayList<>();
  /**
   * The parameter array and table the shards use: a replaced one (setParamsViewArray, setParamTable) makes new
   * shards.
   */
  private INDArray shardParams;
  private Map<String, INDArray> shardTable;
  /** Row cuts of the last forward in blocks: block i is rows [rowCut[i], rowCut[i + 1]). */
  private long[] rowCut;

  SequenceBlocks(SequenceLayer<C> owner, CoreParallel cores) {
    this.owner = owner;
    this.cores = cores;
  }

  /** Sequence cuts for B sequences of length T, or null when the step runs as one block. */
  long[] sequenceCut(long batch, long length) {
    if (cores.workers() < 2) {
      return null;
    }
    long[] cut = cores.rowBlocks(batch, Math.max(1, ceilDiv(MIN_BLOCK_TOKENS, Math.max(1, length))));
    return cut.length > 2 ? cut : null;
  }

  /** The forward of {@code in} in the blocks {@code sequenceCut}; returns the whole batch's output rows. */
  INDArray forward(SequenceRows in, INDArray rowMask, long[] sequenceCut) {
    int blocks = sequenceCut.length - 1;
    List<SequenceLayer<C>> parts = shards(blocks);
    long t = in.length();
    long[] cut = new long[blocks + 1];
    for (int i = 0; i <= blocks; i++) {
      cut[i] = sequenceCut[i] * t;
    }
    INDArray x = contiguousRows(in.x(), "blocks.x");
    INDArray[] out = new INDArray[blocks];
    cores.run(blocks, i -> {
      SequenceRows rows = new SequenceRows(RowBlockView.rows(x, cut[i], cut[i + 1]),
          sequenceCut[i + 1] - sequenceCut[i], t, in.format());
      INDArray mask = rowMask == null ? null : RowBlockView.rows(rowMask, cut[i], cut[i + 1]);
      SequenceLayer<C> shard = parts.get(i);
      out[i] = shard.forwardRows(rows, mask, true);
      shard.rows = rows;
      shard.rowMask = mask;
    });
    rowCut = cut;
    return gather(out, cut, "blocks.y");
  }

  /**
   * The backward after {@link #forward}: writes the summed parameter gradients into {@code gradViews} (views of
   * {@code gradFlat}) and returns dL/dinput rows, or null for a layer with no input gradient.
   */
  INDArray backward(INDArray dOut, Map<String, INDArray> gradViews, INDArray gradFlat) {
    int blocks = rowCut.length - 1;
    long[] cut = rowCut;
    INDArray dy = contiguousRows(dOut, "blocks.dy");
    INDArray[] dIn = new INDArray[blocks];
    cores.run(blocks, i -> {
      SequenceLayer<C> shard = shards.get(i);
      dIn[i] = shard.backwardRows(RowBlockView.rows(dy, cut[i], cut[i + 1]),
          i == 0 ? gradViews : shard.gradViews());
    });
    for (int i = 1; i < blocks; i++) {
      gradFlat.addi(shards.get(i).getGradientsViewArray().reshape(gradFlat.shape()));
    }
    return dIn[0] == null ? null : gather(dIn, cut, "blocks.dx");
  }

  /** The shards that ran the last forward in blocks, in block order. */
  List<SequenceLayer<C>> shards() {
    return Collections.unmodifiableList(shards.subList(0, rowCut.length - 1));
  }

  /** Whether the last forward ran in blocks (the backward must then run in the same blocks). */
  boolean active() {
    return rowCut != null;
  }

  /** Forgets the last forward: the next step runs whole unless it is cut again. */
  void reset() {
    rowCut = null;
    for (SequenceLayer<C> shard : shards) {
      shard.clear();
    }
  }

  private List<SequenceLayer<C>> shards(int blocks) {
    INDArray params = owner.params();
    Map<String, INDArray> table = owner.paramTable();
    if (params != shardParams || table != shardTable) {
      shards.clear();
      shardParams = params;
      shardTable = table;
    }
    while (shards.size() < blocks) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        SequenceLayer<C> shard = owner.newShard();
        if (shards.size() > 0) {
          shard.setBackpropGradientsViewArray(Nd4j.create(params.dataType(), 1, params.length()));
        }
        shards.add(shard);
      }
    }
    return shards.subList(0, blocks);
  }

  /** Concatenates the blocks' rows into one scratch array [N, w]. */
  private INDArray gather(INDArray[] parts, long[] cut, String name) {
    INDArray whole = owner.buffers.get(name, parts[0].dataType(), cut[cut.length - 1], parts[0].size(1));
    for (int i = 0; i < parts.length; i++) {
      RowBlockView.rows(whole, cut[i], cut[i + 1]).assign(parts[i]);
    }
    return whole;
  }

  /** {@code rows} itself when its rows can be sliced as views, else a contiguous copy. */
  private INDArray contiguousRows(INDArray rows, String name) {
    return RowBlockView.isContiguous(rows) ? rows : owner.buffers.get(name, rows.dataType(), rows.shape()).assign(rows);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
