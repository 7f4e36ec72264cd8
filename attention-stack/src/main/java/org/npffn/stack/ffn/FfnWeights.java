package org.npffn.stack.ffn;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The four arrays of one d -> h -> d FFN: W1 [d, h·p], b1 [1, h·p], W2 [h, d], b2 [1, d] (p = 2 for SwiGLU,
 * whose W1 holds [W_gate | W_up]). The same shape holds a set of parameters or their gradients.
 */
public record FfnWeights(INDArray w1, INDArray b1, INDArray w2, INDArray b2) {

  /** The four arrays under the given keys of a parameter or gradient table. */
  public static FfnWeights from(Map<String, INDArray> table, String w1, String b1, String w2, String b2) {
    return new FfnWeights(table.get(w1), table.get(b1), table.get(w2), table.get(b2));
  }
}
