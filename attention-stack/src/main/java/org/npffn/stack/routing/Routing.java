package org.npffn.stack.routing;

/**
 * The routing decisions of one forward pass over N token rows, k choices each. A choice is (token t, rank j),
 * flattened as c = t·k + j. Kept choices become slots, sorted by expert (then by token), so expert e's
 * tokens are the contiguous slots [expertOffset[e], expertOffset[e+1]).
 *
 * @param tokens N, rows including padding
 * @param k choices per token
 * @param experts E
 * @param realTokens tokens that are not padding
 * @param choiceExpert per choice: the expert of the token's final choice set K_t (after NEXT_BEST spills);
 *     -1 for padding
 * @param choiceGate per choice: its gate weight (0 for padding)
 * @param choiceSlot per choice: its slot, or -1 when dropped or padding
 * @param slotToken per slot: its token row
 * @param slotGate per slot: its gate weight
 * @param expertOffset E + 1 offsets into the slots
 * @param selected per expert: choices that selected it before capacity (the f_i of the balancing rules)
 * @param dropped choices dropped for lack of capacity
 * @param gateNorm per token: the sum Z_t of gate scores over K_t the gates were divided by (1 when not
 *     normalised)
 */
public record Routing(int tokens, int k, int experts, int realTokens, int[] choiceExpert, double[] choiceGate,
    int[] choiceSlot, int[] slotToken, double[] slotGate, int[] expertOffset, long[] selected, long dropped,
    double[] gateNorm) {

  /** Kept slots S. */
  public int slots() {
    return slotToken.length;
  }

  /** Tokens expert e computes. */
  public int load(int e) {
    return expertOffset[e + 1] - expertOffset[e];
  }

  /** The largest load of any expert (0 with no slots). */
  public int maxLoad() {
    int max = 0;
    for (int e = 0; e < experts; e++) {
      max = Math.max(max, load(e));
    }
    return max;
  }

  /**
   * G [N·E] row-major: at (t, e) the gate of token t's kept choice of expert e, 0 where t did not keep e
   * (dropped choices and padding give 0). The gates of a dense "every expert, masked" computation.
   */
  public double[] gateMatrix() {
    double[] g = new double[tokens * experts];
    for (int c = 0; c < choiceSlot.length; c++) {
      if (choiceSlot[c] >= 0) {
        g[(c / k) * experts + choiceExpert[c]] += choiceGate[c];
      }
    }
    return g;
  }

  /** The experts by descending load, ties to the lower index: the order in which parallel workers take them. */
  public int[] expertsByLoad() {
    return java.util.stream.IntStream.range(0, experts).boxed()
        .sorted(java.util.Comparator.comparingInt((Integer e) -> -load(e)).thenComparingInt(e -> e))
        .mapToInt(Integer::intValue).toArray();
  }

  /** The experts with at least one slot, in {@link #expertsByLoad()} order: the parts of a forward pass. */
  public int[] busyExpertsByLoad() {
    return java.util.Arrays.stream(expertsByLoad()).filter(e -> load(e) > 0).toArray();
  }
}
