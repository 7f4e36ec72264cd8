package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.npffn.eval.bench.BenchCase;
import org.npffn.eval.bench.BenchRunner;

class BenchRunnerTest {

  /** A case that sleeps long on its first {@code slowRuns} runs and briefly after, counting its runs. */
  private static final class Sleeper implements BenchCase {
    private final int slowRuns;
    private int runs;

    Sleeper(int slowRuns) {
      this.slowRuns = slowRuns;
    }

    @Override
    public String name() {
      return "sleeper";
    }

    @Override
    public void setUp() {}

    @Override
    public double run() {
      try {
        Thread.sleep(runs++ < slowRuns ? 60 : 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 1;
    }

    @Override
    public double flops() {
      return 1;
    }

    @Override
    public String shape() {
      return "";
    }
  }

  /**
   * Each round runs a case twice (an untimed run, then the timed one); the untimed rounds come first and stay
   * out of the timings: here they are the only slow runs.
   */
  @Test
  void untimedRoundsStayOutOfTheTimings() {
    Sleeper c = new Sleeper(2 * 2);
    BenchRunner runner = new BenchRunner(0, 0, 2, 3, new PrintStream(OutputStream.nullOutputStream()));
    BenchRunner.Row row = runner.measure(List.of(c)).get(0);
    assertEquals((2 + 3) * 2, c.runs);
    assertTrue(row.medianMs() < 40 && row.minMs() <= row.medianMs(), row.toString());

    Sleeper timedSlow = new Sleeper(2 * 2 + 2 * 3);
    BenchRunner.Row slow = runner.measure(List.of(timedSlow)).get(0);
    assertTrue(slow.minMs() >= 55, "the same slow runs, timed, do show: " + slow);
  }
}
