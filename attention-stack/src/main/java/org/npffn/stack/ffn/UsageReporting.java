package org.npffn.stack.ffn;

import java.util.Optional;

/**
 * The FFN-slot contract, runtime side: implemented by the layer implementation of an FFN kind that routes
 * tokens to experts or gates sub-networks, so the harness reads every kind the same way.
 */
public interface UsageReporting {

  /** Usage of the last forward pass over its real (unmasked) tokens; empty before the first forward. */
  Optional<UsageSnapshot> lastUsage();
}
