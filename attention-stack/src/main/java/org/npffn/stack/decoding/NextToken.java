package org.npffn.stack.decoding;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks one next token from a probability row [V] under {@link Sampling}'s rule: greedy, or temperature, then
 * top-k, then top-p (Holtzman et al. 2020), renormalised, then one draw.
 */
final class NextToken {
  private NextToken() {}

  static int pick(double[] probabilities, Sampling s, Random rng) {
    int v = probabilities.length;
    if (s.isGreedy()) {
      int best = 0;
      for (int i = 1; i < v; i++) {
        if (probabilities[i] > probabilities[best]) {
          best = i;
        }
      }
      return best;
    }
    // p_i^(1/τ) is softmax(z / τ) up to normalisation: the network gives probabilities, not logits
    double[] w = new double[v];
    double maxLog = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      w[i] = Math.log(probabilities[i]) / s.temperature();
      maxLog = Math.max(maxLog, w[i]);
    }
    for (int i = 0; i < v; i++) {
      w[i] = Math.exp(w[i] - maxLog);
    }
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> w[b] != w[a] ? Double.compare(w[b], w[a]) : Integer.compare(a, b));
    int keep = s.topK() == 0 ? v : Math.min(s.topK(), v);
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += w[order[i]];
    }
    if (s.topP() < 1) {
      double mass = 0;
      for (int i = 0; i < keep; i++) {
        mass += w[order[i]] / total;
        if (mass >= s.topP()) {
          keep = i + 1;
          break;
        }
      }
      total = 0;
      for (int i = 0; i < keep; i++) {
        total += w[order[i]];
      }
    }
    double u = rng.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= w[order[i]];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
