package org.npffn.stack.contract;

import java.util.Optional;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * The test-only {@link ProbeFfn} without a flaw passes the whole contract: so a failure of a flawed probe in
 * {@link FfnContractRejectsFlawedKindsTest} comes from its flaw, not from the contract rejecting everything.
 */
class ProbeFfnContractTest implements FfnContract {

  @Override
  public FfnSlotConf tinyFfn() {
    return new ProbeFfn.Builder().build();
  }

  @Override
  public Optional<ExpectedUsage> expectedUsage() {
    return Optional.of(ExpectedUsage.of(1, "probe_scalar"));
  }
}
