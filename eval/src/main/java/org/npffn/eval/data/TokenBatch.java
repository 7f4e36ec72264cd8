package org.npffn.eval.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * One batch of next-byte prediction.
 *
 * @param ids input ids [B, T]
 * @param labels one-hot next ids [B, T, V] (NWC, as the stack's output layer)
 * @param mask 1 for real positions, 0 for padding, [B, T]
 * @param realTokens the number of 1s in the mask
 */
public record TokenBatch(INDArray ids, INDArray labels, INDArray mask, long realTokens) {

  public MultiDataSet toMultiDataSet() {
    return new MultiDataSet(new INDArray[] {ids}, new INDArray[] {labels}, new INDArray[] {mask},
        new INDArray[] {mask});
  }
}
