package org.npffn.eval.bench;

/**
 * One benchmark case: a unit of work timed as a whole, with its FLOP count so the result reads as GFLOP/s.
 * Inputs are generated up front in {@link #setUp()}; {@link #run()} returns a checksum of its result so a
 * case that computes nothing (or NaN) cannot pass for fast, and {@link #checkReference()} compares what it
 * computes with a reference computed another way, so a case that computes the wrong thing cannot either.
 */
public interface BenchCase {

  /** The row name, e.g. "dense-ffn". */
  String name();

  /** Builds layers and inputs. Not timed. */
  void setUp();

  /**
   * Untimed work before each {@link #run()}: a case whose run consumes its starting point (a decoding step grows
   * the cache it started from) puts that starting point back here. Nothing by default.
   */
  default void prepare() {}

  /** One timed repetition, after {@link #prepare()}. Returns a finite checksum of what it computed. */
  double run();

  /**
   * Runs the timed work once more and compares everything it computed (the output, and the gradients a training
   * step produces) with a reference computed another way, in double precision. Not timed: the runner calls it
   * once per case, after the case's warm-up. It may allocate freely.
   */
  ReferenceCheck checkReference();

  /** FLOPs one {@link #run()} performs (2 per multiply-add of the matrix products). */
  double flops();

  /**
   * Tokens one {@link #run()} produces, for a tokens/s figure beside the time (generation cases); 0 for the cases
   * that report GFLOP/s only.
   */
  default double tokens() {
    return 0;
  }

  /** Shape notes for the report, e.g. "N=4096 (B=32 x T=128), d=256, h=1024". */
  String shape();
}
