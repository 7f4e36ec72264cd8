package org.npffn.stack.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.decoding.IncrementalDecoder;

/** Helpers of {@link FfnContract}'s stepping check: masks, chunkings, and the two ways to get the outputs. */
final class StepChecks {
  private StepChecks() {}

  /** [B, T] mask: all ones, or random lengths in [1, T] padded after (RIGHT) or before (LEFT) the text. */
  static INDArray mask(FfnContract.Padding padding, Random rng, int batch, int t) {
    INDArray m = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, batch, t);
    if (padding == FfnContract.Padding.NONE) {
      return m;
    }
    for (int b = 0; b < batch; b++) {
      int length = b == 0 ? t : 1 + rng.nextInt(t - 1);
      for (int i = 0; i < t - length; i++) {
        m.putScalar(b, padding == FfnContract.Padding.RIGHT ? t - 1 - i : i, 0);
      }
    }
    return m;
  }

  static INDArray fullForward(ComputationGraph net, INDArray ids, INDArray mask) {
    INDArray[] out = net.output(false, new INDArray[] {ids}, new INDArray[] {mask});
    return out[0].dup();
  }

  static int[] ones(int t) {
    int[] c = new int[t];
    java.util.Arrays.fill(c, 1);
    return c;
  }

  /** A random split of T into chunks of 1..3 tokens. */
  static int[] randomChunks(Random rng, int t) {
    List<Integer> c = new ArrayList<>();
    for (int left = t; left > 0;) {
      int size = Math.min(left, 1 + rng.nextInt(3));
      c.add(size);
      left -= size;
    }
    return c.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The outputs [B, T, V] of stepping the chunks in order from the decoder's current state. */
  static INDArray stepped(IncrementalDecoder decoder, INDArray ids, INDArray mask, int[] chunks) {
    return run(decoder, ids, mask, chunks, false);
  }

  /** The same with the state cleared before every chunk: what a stateless step would give. */
  static INDArray steppedForgetting(IncrementalDecoder decoder, INDArray ids, INDArray mask, int[] chunks) {
    return run(decoder, ids, mask, chunks, true);
  }

  private static INDArray run(IncrementalDecoder decoder, INDArray ids, INDArray mask, int[] chunks,
      boolean forget) {
    List<INDArray> parts = new ArrayList<>();
    int at = 0;
    for (int size : chunks) {
      if (forget) {
        decoder.reset();
      }
      INDArray idChunk = ids.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + size)).dup();
      INDArray maskChunk = mask.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + size)).dup();
      parts.add(decoder.step(idChunk, maskChunk).dup());
      at += size;
    }
    return Nd4j.concat(1, parts.toArray(new INDArray[0]));
  }

  /** max |log p_a − log p_b| over the real positions of outputs [B, T, V]. */
  static double maxLogDifferenceAtRealTokens(INDArray a, INDArray b, INDArray mask) {
    double max = 0;
    for (long s = 0; s < a.size(0); s++) {
      for (long i = 0; i < a.size(1); i++) {
        if (mask.getDouble(s, i) == 0) {
          continue;
        }
        for (long v = 0; v < a.size(2); v++) {
          max = Math.max(max, Math.abs(Math.log(a.getDouble(s, i, v)) - Math.log(b.getDouble(s, i, v))));
        }
      }
    }
    return max;
  }
}
