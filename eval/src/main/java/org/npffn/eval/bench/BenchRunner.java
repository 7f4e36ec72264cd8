package org.npffn.eval.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.CoreParallel;

/**
 * Times benchmark cases: warm-up runs, then repeated timed runs; reports each case's median and fastest run
 * (the targets read the fastest, see BenchTargets). The machine's reference speed (float32 gemm into a
 * preallocated 1024 x 1024 output) is measured in the same run, so the targets are ratios that survive noisy
 * machines.
 */
public final class BenchRunner {
  private final int warmup;
  private final double warmupSeconds;
  private final int warmupRounds;
  private final int repeats;
  private final PrintStream log;

  /**
   * @param warmup untimed runs per case, at least
   * @param warmupSeconds untimed running per case, at least: the JIT compiles a layer's Java loops on
   *     background threads that compete for the same two cores, so a fixed small number of runs would time
   *     compilation, not the layer (docs/benchmarks.md)
   * @param warmupRounds untimed rounds of all cases interleaved, after each case's own warm-up: the JIT
   *     recompiles shared code (ND4J's op executioner, the layers' common paths) once the cases take turns, and
   *     without these rounds the first timed rounds run slower for every case (docs/benchmarks.md)
   * @param repeats timed runs per case
   */
  public BenchRunner(int warmup, double warmupSeconds, int warmupRounds, int repeats, PrintStream log) {
    this.warmup = warmup;
    this.warmupSeconds = warmupSeconds;
    this.warmupRounds = warmupRounds;
    this.repeats = repeats;
    this.log = log;
  }

  /**
   * One measured row, with how its result compared with its reference.
   *
   * @param tokens tokens one run produces ({@link BenchCase#tokens()}), 0 for a case without a tokens/s figure
   */
  public record Row(String name, String shape, double medianMs, double minMs, double gflops,
      ReferenceCheck reference, double tokens) {
    /** A row without a tokens/s figure. */
    public Row(String name, String shape, double medianMs, double minMs, double gflops, ReferenceCheck reference) {
      this(name, shape, medianMs, minMs, gflops, reference, 0);
    }

    /** GFLOP/s of the fastest run ({@code gflops} is the median's). */
    public double fastestGflops() {
      return gflops * medianMs / minMs;
    }

    /** Tokens per second of the median run (0 for a case that counts no tokens). */
    public double tokensPerSecond() {
      return tokens * 1e3 / medianMs;
    }

    /** Tokens per second of the fastest run. */
    public double fastestTokensPerSecond() {
      return tokens * 1e3 / minMs;
    }
  }

  /**
   * Nd4j.gemm, float32, 1024^3, into a preallocated output: the machine's reference speed, as a row. Its product is
   * checked after the timed runs against a plain mmul of the same matrices in double precision.
   */
  public Row gemm() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
    INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 1024, 1024);
    double[] ms = time(() -> {
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      return c.getDouble(1023, 1023);
    });
    ReferenceCheck reference = ReferenceCheck.compare("ND4J mmul in double precision",
        ReferenceCheck.FLOAT32_TOLERANCE, Map.of("c", c),
        Map.of("c", a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE))));
    double med = median(ms);
    return new Row("gemm", "float32 1024^3 into a preallocated output", med, Arrays.stream(ms).min().orElse(med),
        2.0 * 1024 * 1024 * 1024 / (med * 1e6), reference);
  }

  /**
   * Times the cases interleaved: all are set up and warmed up (each alone, then in untimed rounds as below),
   * then each timed round runs every case once, in order. A slow spell of the machine (these are shared VMs)
   * then lands on all cases alike instead of on whichever case was running, so the ratios between cases hold
   * better than the times themselves.
   *
   * <p>Each case is checked against its reference once, right after its own warm-up ({@link
   * BenchCase#checkReference}), so neither the check nor its allocations land in a timed run. A case that fails
   * it is still timed, and its row says so.
   */
  public List<Row> measure(List<BenchCase> cases) {
    ReferenceCheck[] references = new ReferenceCheck[cases.size()];
    for (int i = 0; i < cases.size(); i++) {
      BenchCase c = cases.get(i);
      c.setUp();
      long start = System.nanoTime();
      for (int run = 0; run < warmup || (System.nanoTime() - start) / 1e9 < warmupSeconds; run++) {
        c.prepare();
        check(c.run());
      }
      references[i] = c.checkReference();
      log.println(references[i].line(c.name()));
    }
    double[][] ms = new double[cases.size()][repeats];
    for (int round = -warmupRounds; round < repeats; round++) {
      for (int i = 0; i < cases.size(); i++) {
        settle();
        // an untimed run first: the timed one then follows a run of its own case, as every step of a training
        // run follows the one before, not whatever the previous case left in caches, pools and threads
        cases.get(i).prepare();
        check(cases.get(i).run());
        cases.get(i).prepare();
        long t0 = System.nanoTime();
        double checksum = cases.get(i).run();
        double elapsed = (System.nanoTime() - t0) / 1e6;
        check(checksum);
        if (round >= 0) {
          ms[i][round] = elapsed;
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      BenchCase c = cases.get(i);
      double med = median(ms[i]);
      Row row = new Row(c.name(), c.shape(), med, Arrays.stream(ms[i]).min().orElse(med), c.flops() / (med * 1e6),
          references[i], c.tokens());
      String tokens = row.tokens() > 0 ? String.format(Locale.ROOT, "  %7.1f tokens/s (fastest %.1f)",
          row.tokensPerSecond(), row.fastestTokensPerSecond()) : "";
      log.printf("%-22s %9.2f ms (fastest %8.2f)  %7.1f GFLOP/s%s   %s%s%n", row.name(), row.medianMs(), row.minMs(),
          row.gflops(), tokens, row.shape(), row.reference().ok() ? "" : "   FAILED its reference check");
      rows.add(row);
    }
    return rows;
  }

  /**
   * Collects the garbage of the previous run before the next is timed: the masked oracle allocates large
   * arrays on every run, and their release (a GC, then ND4J's deallocator thread) otherwise lands in whichever
   * case runs next. Measured: np/T=128, which follows it, took 199 ms against 173 ms for np/T=256.
   */
  private static void settle() {
    System.gc();
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private double[] time(java.util.function.DoubleSupplier work) {
    for (int i = 0; i < warmup; i++) {
      check(work.getAsDouble());
    }
    double[] ms = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      double checksum = work.getAsDouble();
      ms[i] = (System.nanoTime() - t0) / 1e6;
      check(checksum);
    }
    return ms;
  }

  private static void check(double checksum) {
    if (!Double.isFinite(checksum)) {
      throw new IllegalStateException("benchmark produced a non-finite result: " + checksum);
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The JSON document of the bench command. */
  public static Map<String, Object> document(Row gemm, List<Row> rows, List<BenchTargets.Result> targets,
      String date) {
    double gemmGflops = gemm.gflops();
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("gemm_gflops", gemmGflops);
    machine.put("gemm_gflops_fastest_run", gemm.fastestGflops());
    machine.put("gemm_reference_max_rel_error", json(gemm.reference().maxRelError()));
    machine.put("gemm_reference_ok", gemm.reference().ok());
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("workers", CoreParallel.fromSystemProperty().workers());
    machine.put("date", date);
    machine.put("cpu", cpuName());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("case", r.name());
      m.put("median_ms", r.medianMs());
      m.put("min_ms", r.minMs());
      m.put("gflops", r.gflops());
      m.put("fraction_of_gemm", r.gflops() / gemmGflops);
      if (r.tokens() > 0) {
        m.put("tokens_per_s", r.tokensPerSecond());
        m.put("tokens_per_s_fastest_run", r.fastestTokensPerSecond());
      }
      m.put("shape", r.shape());
      m.put("reference", r.reference().against());
      m.put("reference_max_rel_error", json(r.reference().maxRelError()));
      m.put("reference_worst", r.reference().worst());
      m.put("reference_tolerance", r.reference().tolerance());
      m.put("reference_ok", r.reference().ok());
      out.add(m);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("machine", machine);
    doc.put("rows", out);
    List<Map<String, Object>> checked = new ArrayList<>();
    for (BenchTargets.Result t : targets) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target", t.target().description());
      m.put("issue", t.target().issue());
      m.put("value", t.value());
      m.put("decided_on", "fastest runs");
      m.put("value_medians", t.medianValue());
      m.put("bound", t.target().bound());
      m.put("met", t.met());
      m.put("met_on_medians", t.metOnMedians());
      checked.add(m);
    }
    doc.put("targets", checked);
    return doc;
  }

  /** JSON has no NaN or infinity: a non-finite error is written as its name, e.g. "NaN". */
  private static Object json(double v) {
    return Double.isFinite(v) ? (Object) v : Double.toString(v);
  }

  /** One line for each row (the gemm's included) whose result failed its reference check. */
  public static List<String> failures(Row gemm, List<Row> rows) {
    List<Row> all = new ArrayList<>(rows);
    all.add(0, gemm);
    List<String> out = new ArrayList<>();
    for (Row r : all) {
      if (!r.reference().ok()) {
        out.add(r.reference().line(r.name()));
      }
    }
    return out;
  }

  private static String cpuName() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
    return System.getProperty("os.arch");
  }
}
