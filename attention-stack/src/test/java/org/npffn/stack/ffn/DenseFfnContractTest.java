package org.npffn.stack.ffn;

import org.npffn.stack.contract.FfnContract;

/** The dense FFN against the FFN-slot contract (shape, masking, causality, JSON, serializer, gradients, stack). */
class DenseFfnContractTest implements FfnContract {

  /** 6 -> 5 -> 6 with GELU: 71 parameters. Dense reports no usage (the contract checks it does not). */
  @Override
  public FfnSlotConf tinyFfn() {
    return new DenseFfn.Builder().hidden(5).build();
  }
}
