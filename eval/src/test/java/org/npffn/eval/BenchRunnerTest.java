package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.eval.bench.BenchCase;
import org.npffn.eval.bench.BenchRunner;
import org.npffn.eval.bench.ReferenceCheck;

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
    public ReferenceCheck checkReference() {
      return new ReferenceCheck("nothing: it computes nothing", 0, "-", ReferenceCheck.FLOAT32_TOLERANCE);
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

  /** A fast wrong kernel: a float32 gemm whose product comes out 1% too large. */
  private static final class WrongGemm implements BenchCase {
    private final INDArray a = Nd4j.rand(DataType.FLOAT, 64, 64);
    private final INDArray b = Nd4j.rand(DataType.FLOAT, 64, 64);
    private final INDArray c = Nd4j.create(DataType.FLOAT, 64, 64);

    @Override
    public String name() {
      return "wrong-gemm";
    }

    @Override
    public void setUp() {}

    @Override
    public double run() {
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      c.muli(1 + 1e-2);
      return c.getDouble(0, 0);
    }

    @Override
    public ReferenceCheck checkReference() {
      run();
      return ReferenceCheck.compare("mmul in double", ReferenceCheck.FLOAT32_TOLERANCE, Map.of("c", c),
          Map.of("c", a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE))));
    }

    @Override
    public double flops() {
      return 2.0 * 64 * 64 * 64;
    }

    @Override
    public String shape() {
      return "64^3";
    }
  }

  /** Its checksum is finite, so only the reference catches it: the row, the JSON and the failures say so. */
  @Test
  void aWrongKernelFailsItsReference() {
    BenchRunner runner = new BenchRunner(0, 0, 0, 1, new PrintStream(OutputStream.nullOutputStream()));
    BenchRunner.Row row = runner.measure(List.of(new WrongGemm())).get(0);
    assertFalse(row.reference().ok());
    assertEquals(1e-2, row.reference().maxRelError(), 1e-4);
    BenchRunner.Row gemm = runner.gemm();
    assertTrue(gemm.reference().ok(), gemm.reference().line("gemm"));

    List<String> failures = BenchRunner.failures(gemm, List.of(row));
    assertEquals(1, failures.size());
    assertTrue(failures.get(0).startsWith("wrong-gemm: reference MISMATCH: max relative error 1.00e-02 (c) "
        + "exceeds tolerance 1e-04"), failures.get(0));

    @SuppressWarnings("unchecked")
    Map<String, Object> json = ((List<Map<String, Object>>) BenchRunner.document(gemm, List.of(row), List.of(),
        "2026-01-01").get("rows")).get(0);
    assertEquals(false, json.get("reference_ok"));
    assertEquals(row.reference().maxRelError(), (double) json.get("reference_max_rel_error"), 0);
    assertEquals(ReferenceCheck.FLOAT32_TOLERANCE, (double) json.get("reference_tolerance"), 0);
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

  /**
   * A case whose run consumes its starting point (a decoding step grows its cache): the runner prepares it before
   * every run, warm-up and timed alike, and the preparation stays out of the timings; the tokens it reports give
   * the row its tokens/s, in the printed line and the JSON.
   */
  private static final class Consuming implements BenchCase {
    private boolean prepared;
    private int runs;

    @Override
    public String name() {
      return "consuming";
    }

    @Override
    public void setUp() {}

    @Override
    public void prepare() {
      try {
        Thread.sleep(60);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      prepared = true;
    }

    @Override
    public double run() {
      if (!prepared) {
        throw new IllegalStateException("run " + runs + " was not prepared");
      }
      prepared = false;
      runs++;
      return 1;
    }

    @Override
    public ReferenceCheck checkReference() {
      return new ReferenceCheck("nothing: it computes nothing", 0, "-", ReferenceCheck.FLOAT32_TOLERANCE);
    }

    @Override
    public double flops() {
      return 1;
    }

    @Override
    public double tokens() {
      return 8;
    }

    @Override
    public String shape() {
      return "";
    }
  }

  @Test
  void everyRunIsPreparedUntimedAndTokensGiveTokensPerSecond() {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    BenchRunner runner = new BenchRunner(2, 0, 1, 3, new PrintStream(printed, true));
    Consuming c = new Consuming();
    BenchRunner.Row row = runner.measure(List.of(c)).get(0);
    assertEquals(2 + (1 + 3) * 2, c.runs);
    assertTrue(row.medianMs() < 40, "the 60 ms preparation is not timed: " + row);
    assertEquals(8 * 1e3 / row.medianMs(), row.tokensPerSecond(), 1e-9);
    assertEquals(8 * 1e3 / row.minMs(), row.fastestTokensPerSecond(), 1e-9);
    assertTrue(printed.toString().contains(String.format(java.util.Locale.ROOT, "%.1f tokens/s",
        row.tokensPerSecond())), printed.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> json = ((List<Map<String, Object>>) BenchRunner.document(runner.gemm(), List.of(row),
        List.of(), "2026-01-01").get("rows")).get(0);
    assertEquals(row.tokensPerSecond(), (double) json.get("tokens_per_s"), 0);
    assertEquals(row.fastestTokensPerSecond(), (double) json.get("tokens_per_s_fastest_run"), 0);

    BenchRunner.Row plain = new BenchRunner(0, 0, 0, 1, new PrintStream(OutputStream.nullOutputStream()))
        .measure(List.of(new Sleeper(0))).get(0);
    assertEquals(0, plain.tokensPerSecond());
  }
}
