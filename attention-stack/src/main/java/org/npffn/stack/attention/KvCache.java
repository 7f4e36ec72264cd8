package org.npffn.stack.attention;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.StepState;

/**
 * Attention's KV cache under rnnTimeStep: the keys and values of every position stepped so far, [B, nh, S, hs]
 * each, and which positions were real, [B, S], held in buffers with room to grow, so that a step writes only its
 * own T new positions. Growing by concatenation instead copied the whole cache into three new arrays on every
 * step: 43% of a one-token decode step's time at S = 511 (docs/benchmarks.md).
 *
 * <p>The step state holds views of the first S positions of these buffers; DL4J's rnnGetPreviousState copies
 * them out (compact). A state put back by rnnSetPreviousState is copied into new buffers right then
 * ({@link #adopt}); after a clear, the next step starts new ones.
 */
final class KvCache {
  /** Room for this many positions at least, so that short steps do not regrow at once. */
  private static final long MIN_CAPACITY = 64;
  private INDArray keys; //                                                    [B, nh, cap, hs]
  private INDArray values; //                                                  [B, nh, cap, hs]
  private INDArray keysByHead; //                                              [B*nh, cap, hs], the same data
  private INDArray valuesByHead; //                                            [B*nh, cap, hs], the same data
  private INDArray mask; //                                                    [B, cap]
  private boolean allReal;
  // the views last put into the step state: while it holds these, the buffers above are its cache
  private INDArray keysView;
  private INDArray valuesView;
  private INDArray maskView;

  /**
   * The S + T cached positions after a step.
   *
   * @param keys [B*nh, S+T, hs]
   * @param values [B*nh, S+T, hs]
   * @param mask [B, S+T], 1 for a real position
   * @param allReal whether every position is real (then no key needs a padding bias)
   * @param past S, the positions cached before this step
   * @param capacity the positions the buffers have room for (at least S+T)
   */
  record Window(INDArray keys, INDArray values, INDArray mask, boolean allReal, long past, long capacity) {}

  /**
   * Appends the step's keys and values to the cache the step state holds and puts the grown cache back into it.
   *
   * @param k4 [B, nh, T, hs] the new keys
   * @param v4 [B, nh, T, hs] the new values
   * @param newMask [B, T], 1 for a real token, or null for all real
   */
  Window append(StepState state, INDArray k4, INDArray v4, INDArray newMask) {
    long b = k4.size(0);
    long nh = k4.size(1);
    long t = k4.size(2);
    long hs = k4.size(3);
    INDArray past = state.get(CausalSelfAttentionLayer.KEYS);
    long s = past == null ? 0 : past.size(2);
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      if (s == 0) {
        allocate(k4.dataType(), b, nh, Math.max(MIN_CAPACITY, 2 * t), hs);
        allReal = true;
      } else if (!holds(state)) {
        adopt(state, t);
      } else if (s + t > keys.size(2)) {
        grow(s, 2 * (s + t));
      }
      keys.get(all(), all(), interval(s, s + t), all()).assign(k4);
      values.get(all(), all(), interval(s, s + t), all()).assign(v4);
      INDArray newSlots = mask.get(all(), interval(s, s + t));
      if (newMask == null) {
        newSlots.assign(1.0);
      } else {
        newSlots.assign(newMask);
        allReal &= newMask.minNumber().doubleValue() == 1;
      }
    }
    publish(state, s + t);
    return new Window(keysByHead.get(all(), interval(0, s + t), all()),
        valuesByHead.get(all(), interval(0, s + t), all()), maskView, allReal, s, keys.size(2));
  }

  /** Whether the state holds this cache's views: it was neither cleared nor replaced since the last step. */
  private boolean holds(StepState state) {
    return keysView != null && state.get(CausalSelfAttentionLayer.KEYS) == keysView
        && state.get(CausalSelfAttentionLayer.VALUES) == valuesView
        && state.get(CausalSelfAttentionLayer.KEY_MASK) == maskView;
  }

  /**
   * Takes over the non-empty cache the state holds (put there by rnnSetPreviousState, or this layer's before it
   * was replaced): copies it into new buffers with room for as many positions again and {@code t} more, and puts
   * their views back into the state. rnnSetPreviousState calls it, so that the copy is made when a state is
   * restored, not by the next step.
   */
  void adopt(StepState state, long t) {
    INDArray past = state.get(CausalSelfAttentionLayer.KEYS); //                    [B, nh, S, hs]
    INDArray pastMask = state.get(CausalSelfAttentionLayer.KEY_MASK); //            [B, S]
    long s = past.size(2);
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      allocate(past.dataType(), past.size(0), past.size(1), Math.max(MIN_CAPACITY, 2 * (s + t)), past.size(3));
      keys.get(all(), all(), interval(0, s), all()).assign(past);
      values.get(all(), all(), interval(0, s), all()).assign(state.get(CausalSelfAttentionLayer.VALUES));
      mask.get(all(), interval(0, s)).assign(pastMask);
      allReal = pastMask.minNumber().doubleValue() == 1;
    }
    publish(state, s);
  }

  /** Puts views of the first {@code n} positions into the state. */
  private void publish(StepState state, long n) {
    keysView = keys.get(all(), all(), interval(0, n), all());
    valuesView = values.get(all(), all(), interval(0, n), all());
    maskView = mask.get(all(), interval(0, n));
    state.putOwned(CausalSelfAttentionLayer.KEYS, keysView);
    state.putOwned(CausalSelfAttentionLayer.VALUES, valuesView);
    state.putOwned(CausalSelfAttentionLayer.KEY_MASK, maskView);
  }

  /** Room for {@code capacity} positions after the first {@code s}, which are kept. */
  private void grow(long s, long capacity) {
    INDArray oldKeys = keys;
    INDArray oldValues = values;
    INDArray oldMask = mask;
    allocate(oldKeys.dataType(), oldKeys.size(0), oldKeys.size(1), capacity, oldKeys.size(3));
    keys.get(all(), all(), interval(0, s), all()).assign(oldKeys.get(all(), all(), interval(0, s), all()));
    values.get(all(), all(), interval(0, s), all()).assign(oldValues.get(all(), all(), interval(0, s), all()));
    mask.get(all(), interval(0, s)).assign(oldMask.get(all(), interval(0, s)));
  }

  private void allocate(DataType dt, long b, long nh, long capacity, long hs) {
    keys = Nd4j.createUninitialized(dt, new long[] {b, nh, capacity, hs}, 'c');
    values = Nd4j.createUninitialized(dt, new long[] {b, nh, capacity, hs}, 'c');
    mask = Nd4j.createUninitialized(dt, new long[] {b, capacity}, 'c');
    // [B, nh, cap, hs] -> [B*nh, cap, hs]: contiguous, so a view
    keysByHead = keys.reshape('c', b * nh, capacity, hs);
    valuesByHead = values.reshape('c', b * nh, capacity, hs);
  }
}
