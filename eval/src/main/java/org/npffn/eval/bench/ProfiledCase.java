package org.npffn.eval.bench;

/** A case whose timed work is a ComputationGraph training step, which `bench --profile` breaks down by layer. */
public interface ProfiledCase extends BenchCase {
  /** Where the case's step spends its time, layer by layer ({@link StepProfile}), after its timed runs. */
  StepProfile profile(int repeats);
}
