package org.npffn.stack.routing;

/** What happens to a token-slot whose expert is full (expert capacity, GShard / Switch). */
public enum Overflow {
  /** The token gets nothing from that expert; the residual connection carries it (Switch, §2.2). */
  DROP,
  /** The token spills to its next-highest-scoring expert that still has room, or is dropped if none has. */
  NEXT_BEST
}
