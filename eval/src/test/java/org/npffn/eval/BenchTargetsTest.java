package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.npffn.eval.bench.BenchRunner.Row;
import org.npffn.eval.bench.BenchTargets;
import org.npffn.eval.bench.ReferenceCheck;
import org.npffn.eval.bench.BenchTargets.Result;

class BenchTargetsTest {
  private static final ReferenceCheck OK = new ReferenceCheck("-", 0, "-", ReferenceCheck.FLOAT32_TOLERANCE);

  private static Row row(String name, double ms, double gflops) {
    return new Row(name, "", ms, ms, gflops, OK);
  }

  /** A gemm row at 200 GFLOP/s whose every run took the same time. */
  private static final Row GEMM = row("gemm", 10, 200);

  @Test
  void fastestRunsDecideAndMediansAreReportedBeside() {
    List<Result> results = BenchTargets.check(GEMM, List.of(new Row("dense-ffn", "", 100, 90, 120, OK),
        new Row("moe/E=8", "", 140, 108, 1, OK)));
    Result moe = find(results, "moe/E=8 / dense-ffn");
    assertEquals(1.2, moe.value(), 1e-12);
    assertEquals(1.4, moe.medianValue(), 1e-12);
    assertTrue(moe.met());
    assertFalse(moe.metOnMedians());

    // and the other way round: a fast dense run makes a ratio the medians would meet fail
    Result strict = find(BenchTargets.check(GEMM, List.of(new Row("dense-ffn", "", 100, 70, 120, OK),
        new Row("moe/E=8", "", 120, 100, 1, OK))), "moe/E=8 / dense-ffn");
    assertEquals(100.0 / 70, strict.value(), 1e-12);
    assertFalse(strict.met());
    assertTrue(strict.metOnMedians());
  }

  @Test
  void gflopsTargetsCompareFastestRunsWithTheFastestGemm() {
    // dense: 120 GFLOP/s at its 100 ms median, so 120 · 100 / 90 at its fastest; gemm: 200 at 10 ms, 250 at 8
    List<Result> results = BenchTargets.check(new Row("gemm", "", 10, 8, 200, OK),
        List.of(new Row("dense-ffn", "", 100, 90, 120, OK)));
    Result dense = find(results, "dense-ffn GFLOP/s / gemm GFLOP/s");
    assertEquals(120.0 * 100 / 90 / 250, dense.value(), 1e-12);
    assertEquals(120.0 / 200, dense.medianValue(), 1e-12);
  }

  private static Result find(List<Result> results, String description) {
    return results.stream().filter(r -> r.target().description().equals(description)).findFirst().orElseThrow();
  }

  @Test
  void checksOnlyTargetsWhoseCasesRan() {
    List<Result> results = BenchTargets.check(GEMM, List.of(row("dense-ffn", 100, 120), row("moe/E=8", 125, 90)));
    assertEquals(List.of("dense-ffn GFLOP/s / gemm GFLOP/s", "moe/E=8 / dense-ffn"),
        results.stream().map(r -> r.target().description()).toList());
    assertEquals(0.6, find(results, "dense-ffn GFLOP/s / gemm GFLOP/s").value(), 1e-12);
    Result moe = find(results, "moe/E=8 / dense-ffn");
    assertEquals(1.25, moe.value(), 1e-12);
    assertTrue(moe.met());
  }

  @Test
  void upperAndLowerBoundsEachFailOnTheirSide() {
    List<Result> results = BenchTargets.check(GEMM, List.of(row("dense-ffn", 100, 90), row("moe/E=8", 140, 1),
        row("moe-masked/E=8", 400, 1), row("np-infer/k=8", 100, 1), row("np-infer/k=2", 50, 1)));
    assertFalse(find(results, "dense-ffn GFLOP/s / gemm GFLOP/s").met()); // 0.45 < 0.5
    assertFalse(find(results, "moe/E=8 / dense-ffn").met()); // 1.4 > 1.3
    Result masked = find(results, "moe-masked/E=8 / moe/E=8 (speed-up)");
    assertEquals(400.0 / 140, masked.value(), 1e-12);
    assertFalse(masked.met()); // 2.86 < 3
    assertTrue(find(results, "np-infer/k=8 / np-infer/k=2 (speed-up)").met()); // exactly 2
  }

  @Test
  void flatnessIsMaxOverMinOfTheFourLengths() {
    List<Result> results = BenchTargets.check(GEMM, List.of(row("np/T=128", 150, 1), row("np/T=256", 140, 1),
        row("np/T=512", 160, 1), row("np/T=1024", 180, 1)));
    Result flat = find(results, "np/T=128..1024 time per token, max / min");
    assertEquals(180.0 / 140, flat.value(), 1e-12);
    assertFalse(flat.met());
    assertEquals(1, results.size());
  }

  @Test
  void decodingTargetsReadTheirCasesAndFailOnTheirSide() {
    List<Result> results = BenchTargets.check(GEMM, List.of(row("decode/dense/t=512", 2.0, 1),
        row("reforward/dense/t=512", 25, 1), row("decode/moe/t=512", 3.0, 1), row("reforward/moe/t=512", 29.9, 1),
        row("decode/np/t=512", 2.7, 1), row("reforward/np/t=512", 30, 1), row("decode-ffn/np/t=64", 1.0, 1),
        row("decode-ffn/np/t=1024", 1.25, 1)));
    assertEquals(5, results.size());
    Result dense = find(results, "reforward/dense/t=512 / decode/dense/t=512 (speed-up)");
    assertEquals(12.5, dense.value(), 1e-12);
    assertTrue(dense.met());
    Result moe = find(results, "reforward/moe/t=512 / decode/moe/t=512 (speed-up)");
    assertEquals(29.9 / 3.0, moe.value(), 1e-12);
    assertFalse(moe.met()); // 9.97 < 10
    assertTrue(find(results, "reforward/np/t=512 / decode/np/t=512 (speed-up)").met()); // 11.1
    Result flat = find(results, "decode-ffn/np/t=1024 / decode-ffn/np/t=64");
    assertEquals(1.25, flat.value(), 1e-12);
    assertFalse(flat.met()); // > 1.2
    Result np = find(results, "decode/np/t=512 / decode/dense/t=512");
    assertEquals(1.35, np.value(), 1e-12);
    assertFalse(np.met()); // > 1.3

    List<Result> within = BenchTargets.check(GEMM, List.of(row("decode/dense/t=512", 2.0, 1),
        row("decode/np/t=512", 2.6, 1), row("decode-ffn/np/t=64", 1.0, 1), row("decode-ffn/np/t=1024", 1.2, 1)));
    assertEquals(2, within.size());
    assertTrue(find(within, "decode/np/t=512 / decode/dense/t=512").met()); // exactly 1.3
    assertTrue(find(within, "decode-ffn/np/t=1024 / decode-ffn/np/t=64").met()); // exactly 1.2
  }
}
