package org.npffn.stack.layers;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What one layer carries from one {@code rnnTimeStep} call to the next: the KV cache of attention, the position
 * reached by the embedding, the running context of the NP layer. Named arrays, each with the batch B as its first
 * dimension, kept outside every workspace (they outlive the call that wrote them).
 *
 * <p>DL4J's rnnGetPreviousState / rnnSetPreviousState / rnnClearPreviousState read, replace and empty it, so a
 * decoding state can be saved, restored and forked with DL4J's own calls; what they hand out and take in are
 * copies.
 */
public final class StepState {
  private final Map<String, INDArray> arrays = new LinkedHashMap<>();

  /** Whether nothing has been stepped since the last clear. */
  public boolean isEmpty() {
    return arrays.isEmpty();
  }

  /** The array named {@code key}, or null before the first step. Not a copy: the layer updates it by put. */
  public INDArray get(String key) {
    return arrays.get(key);
  }

  /** Stores a detached copy of {@code value} under {@code key}. */
  public void put(String key, INDArray value) {
    arrays.put(key, detachedCopy(value));
  }

  /** Stores {@code value} as it is: for arrays the layer has just created outside every workspace. */
  public void putOwned(String key, INDArray value) {
    arrays.put(key, value);
  }

  public void clear() {
    arrays.clear();
  }

  /** Copies of every array, in insertion order, for rnnGetPreviousState. */
  public Map<String, INDArray> copy() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k, detachedCopy(v)));
    return Collections.unmodifiableMap(out);
  }

  /**
   * Replaces the state with copies of {@code state} (null or empty clears it), for rnnSetPreviousState.
   *
   * @param layer the layer's name, for the message
   * @param keys the keys this layer keeps; any other key is refused
   */
  public void replace(Map<String, INDArray> state, String layer, String... keys) {
    arrays.clear();
    if (state == null) {
      return;
    }
    for (Map.Entry<String, INDArray> e : state.entrySet()) {
      if (!Arrays.asList(keys).contains(e.getKey())) {
        throw new IllegalArgumentException(layer + ": rnnSetPreviousState got key '" + e.getKey()
            + "'; this layer keeps " + Arrays.toString(keys));
      }
      arrays.put(e.getKey(), detachedCopy(e.getValue()));
    }
  }

  /**
   * Refuses a step whose batch size differs from the one the state was written for.
   *
   * @param layer the layer's name, for the message
   */
  public void checkBatch(long batch, String layer) {
    for (INDArray a : arrays.values()) {
      if (a.size(0) != batch) {
        throw new IllegalArgumentException(layer + ": rnnTimeStep got a batch of " + batch
            + " sequences but the stored state holds " + a.size(0)
            + "; call rnnClearPreviousState() before stepping another batch");
      }
    }
  }

  /** A copy of {@code a} outside every workspace. */
  public static INDArray detachedCopy(INDArray a) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return a.dup('c');
    }
  }
}
