package org.npffn.stack.routing;

import java.util.Arrays;

/**
 * Top-k selection, expert capacity and gate values: pure arithmetic on [N, E] score arrays (row-major), so
 * its properties are tested without a network. The units are an MoE's experts, or the NP layer's groups when
 * it keeps each token's top-k at inference; "expert" below means either.
 *
 * <p>Selection ranks the experts of each token by its selection score (the gate score plus the loss-free
 * bias, if any); ties go to the lower expert index, so routing is deterministic. Capacity follows GShard's
 * priority: every token's first choice is placed (in token order) before any second choice. Gates use the
 * unbiased gate scores q (softmax probabilities or sigmoid scores): g = q_e / Z_t with Z_t = Σ over the
 * token's k final experts when normalised, else g = q_e. A dropped choice still counts in Z_t.
 */
public final class TopKRouter {
  private TopKRouter() {}

  /**
   * @param selection [N·E] scores that choose the experts
   * @param gateScores [N·E] unbiased scores q that weight them
   * @param real per token: false for padding (not routed, counts nowhere)
   * @param capacity slots per expert (Integer.MAX_VALUE for unlimited)
   * @param normalise whether gates are divided by their sum over the k final experts
   */
  public static Routing route(double[] selection, double[] gateScores, boolean[] real, int experts, int k,
      int capacity, Overflow overflow, boolean normalise) {
    int n = real.length;
    // NEXT_BEST with finite capacity may walk a token's whole ranking; otherwise its top k is enough.
    int depth = overflow == Overflow.NEXT_BEST && capacity < Integer.MAX_VALUE ? experts : k;
    int[] ranking = new int[n * depth]; //               per token its first depth experts, best first
    int realTokens = 0;
    for (int t = 0; t < n; t++) {
      if (real[t]) {
        rank(selection, t, experts, depth, ranking, t * depth);
        realTokens++;
      }
    }
    int[] choiceExpert = new int[n * k];
    boolean[] kept = new boolean[n * k];
    Arrays.fill(choiceExpert, -1);
    int[] load = new int[experts];
    long[] selected = new long[experts];
    int[] nextRank = new int[n];
    Arrays.fill(nextRank, k);
    long dropped = 0;
    for (int j = 0; j < k; j++) {
      for (int t = 0; t < n; t++) {
        if (!real[t]) {
          continue;
        }
        int e = ranking[t * depth + j];
        selected[e]++;
        if (load[e] >= capacity && overflow == Overflow.NEXT_BEST) {
          // spill down this token's ranking, past its top k, to the first expert with room
          while (nextRank[t] < depth && load[ranking[t * depth + nextRank[t]]] >= capacity) {
            nextRank[t]++;
          }
          if (nextRank[t] < depth) {
            e = ranking[t * depth + nextRank[t]++];
          }
        }
        choiceExpert[t * k + j] = e;
        if (load[e] < capacity) {
          load[e]++;
          kept[t * k + j] = true;
        } else {
          dropped++;
        }
      }
    }
    double[] choiceGate = new double[n * k];
    double[] gateNorm = new double[n];
    Arrays.fill(gateNorm, 1.0);
    for (int t = 0; t < n; t++) {
      if (!real[t]) {
        continue;
      }
      double z = 0;
      for (int j = 0; j < k; j++) {
        z += gateScores[t * experts + choiceExpert[t * k + j]];
      }
      if (normalise) {
        gateNorm[t] = z;
      }
      for (int j = 0; j < k; j++) {
        choiceGate[t * k + j] = gateScores[t * experts + choiceExpert[t * k + j]] / gateNorm[t];
      }
    }
    // bucket the kept choices by expert, token order within an expert
    int[] offset = new int[experts + 1];
    for (int e = 0; e < experts; e++) {
      offset[e + 1] = offset[e] + load[e];
    }
    int[] fill = Arrays.copyOf(offset, experts);
    int slots = offset[experts];
    int[] slotToken = new int[slots];
    double[] slotGate = new double[slots];
    int[] choiceSlot = new int[n * k];
    Arrays.fill(choiceSlot, -1);
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < k; j++) {
        int c = t * k + j;
        if (kept[c]) {
          int s = fill[choiceExpert[c]]++;
          slotToken[s] = t;
          slotGate[s] = choiceGate[c];
          choiceSlot[c] = s;
        }
      }
    }
    return new Routing(n, k, experts, realTokens, choiceExpert, choiceGate, choiceSlot, slotToken, slotGate,
        offset, selected, dropped, gateNorm);
  }

  /**
   * The first {@code depth} experts of token t by descending score, ties to the lower index, into
   * ranking[out ..]: a bounded insertion sort, O(E·depth).
   */
  private static void rank(double[] score, int t, int experts, int depth, int[] ranking, int out) {
    int base = t * experts;
    int size = 0;
    for (int e = 0; e < experts; e++) {
      double s = score[base + e];
      if (size == depth && !(s > score[base + ranking[out + size - 1]])) {
        continue;
      }
      int i = size < depth ? size++ : depth - 1;
      while (i > 0 && score[base + ranking[out + i - 1]] < s) {
        ranking[out + i] = ranking[out + i - 1];
        i--;
      }
      ranking[out + i] = e;
    }
  }
}
