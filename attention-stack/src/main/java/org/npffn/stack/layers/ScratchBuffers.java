package org.npffn.stack.layers;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The work arrays one layer instance writes in its forward and reads in its backward (llama3.java's State).
 *
 * <p>They live outside every workspace, as DL4J's cuDNN/oneDNN helpers keep theirs, so they stay valid from
 * activate to backpropGradient and are reused across iterations: allocation, not arithmetic, dominates small
 * ND4J ops on CPU. An array is re-created only when its data type or shape changes (a new B or T).
 * What a layer returns to DL4J is never one of these arrays: it is copied into the caller's workspace.
 */
public final class ScratchBuffers {
  private final Map<String, INDArray> arrays = new HashMap<>();
  private final Map<String, double[]> heapArrays = new HashMap<>();
  private final Map<String, Long> rowCapacities = new HashMap<>();

  /** The c-order buffer named {@code name}, of this type and shape; its contents are undefined. */
  public INDArray get(String name, DataType type, long... shape) {
    INDArray a = arrays.get(name);
    if (a == null || a.dataType() != type || !Arrays.equals(a.shape(), shape)) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        a = Nd4j.createUninitialized(type, shape, 'c');
      }
      arrays.put(name, a);
    }
    return a;
  }

  /**
   * A row count for buffers whose used rows vary from call to call (an MoE with ReLU routing): at least
   * {@code needed}; it grows, to {@code needed} plus a quarter (at most {@code worstCase}), only when a call needs
   * more than the last count, and never shrinks, so the buffers sized by it are re-created rarely. Callers take
   * row views of the first rows they use.
   */
  public long rowCapacity(String name, long needed, long worstCase) {
    long current = rowCapacities.getOrDefault(name, 0L);
    if (needed > current) {
      current = Math.max(needed, Math.min(worstCase, needed + needed / 4));
      rowCapacities.put(name, current);
    }
    return current;
  }

  /**
   * A [1, n] row of ones: multiplying by it sums rows with one gemm. A view of one grow-only buffer, filled
   * when it grows, so callers with many different n (MoE experts) share it.
   */
  public INDArray ones(DataType type, long n) {
    INDArray a = arrays.get("ones");
    if (a == null || a.dataType() != type || a.length() < n) {
      a = get("ones", type, 1, Math.max(n, a == null ? 0 : a.length())).assign(1.0);
    }
    return a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n));
  }

  /**
   * The JVM-heap array named {@code name} of this length; its contents are undefined. For the steps that run
   * as Java loops (routing, the context scan): a fresh 2 MB array per step costs 4-6 ms in page faults on
   * these VMs until the heap's young generation has been touched (measured), a reused one nothing.
   */
  public double[] doubles(String name, int length) {
    double[] a = heapArrays.get(name);
    if (a == null || a.length != length) {
      a = new double[length];
      heapArrays.put(name, a);
    }
    return a;
  }
}
