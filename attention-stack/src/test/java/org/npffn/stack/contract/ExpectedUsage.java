package org.npffn.stack.contract;

import java.util.Set;

/**
 * What an FFN kind that implements {@link org.npffn.stack.ffn.UsageReporting} reports, for the contract to
 * check: the number of units (experts, groups) and the names of the scalars of its {@code UsageSnapshot}.
 *
 * @param units the snapshot's units() for the kind's tiny config
 * @param scalars scalar names present after every forward pass, training or inference
 * @param inferenceScalars further names present after inference passes only (e.g. NP's context_reliance)
 */
public record ExpectedUsage(int units, Set<String> scalars, Set<String> inferenceScalars) {

  public ExpectedUsage {
    scalars = Set.copyOf(scalars);
    inferenceScalars = Set.copyOf(inferenceScalars);
  }

  public static ExpectedUsage of(int units, String... scalars) {
    return new ExpectedUsage(units, Set.of(scalars), Set.of());
  }

  public ExpectedUsage andAtInference(String... names) {
    return new ExpectedUsage(units, scalars, Set.of(names));
  }
}
