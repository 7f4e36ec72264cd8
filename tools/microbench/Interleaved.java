import org.npffn.eval.bench.BenchCase;
import org.npffn.eval.bench.DenseFfnCase;
import org.npffn.eval.bench.MoeCase;
import org.npffn.eval.bench.NpCase;

/**
 * dense-ffn, moe/E=8, moe/E=64 and np/T=128 timed round by round in one JVM, and the ratios to dense-ffn:
 * for comparing process-wide settings (environment variables, JVM flags) one process at a time.
 * -Drounds=n (default 20) timed rounds after six warm-up rounds.
 */
public class Interleaved {
  public static void main(String[] args) throws InterruptedException {
    org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(Runtime.getRuntime().availableProcessors());
    BenchCase[] cases = {new DenseFfnCase(32, 128, 256, 1024), new MoeCase(32, 128, 256, 8, 2, 512, false),
        new MoeCase(32, 128, 256, 64, 2, 512, false), new NpCase(4096, 128, 256, 1024, 8, 64, 0)};
    for (BenchCase c : cases) {
      c.setUp();
    }
    int rounds = Integer.getInteger("rounds", 20);
    double[][] ms = new double[cases.length][rounds];
    for (int r = -6; r < rounds; r++) {
      for (int c = 0; c < cases.length; c++) {
        System.gc();
        Thread.sleep(20);
        long start = System.nanoTime();
        cases[c].run();
        if (r >= 0) {
          ms[c][r] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    for (double[] m : ms) {
      java.util.Arrays.sort(m);
    }
    int mid = rounds / 2;
    System.out.printf("ratios to dense, medians: E8 %.2f E64 %.2f np %.2f | fastest: E8 %.2f E64 %.2f np %.2f%n",
        ms[1][mid] / ms[0][mid], ms[2][mid] / ms[0][mid], ms[3][mid] / ms[0][mid], ms[1][0] / ms[0][0],
        ms[2][0] / ms[0][0], ms[3][0] / ms[0][0]);
    for (int c = 0; c < cases.length; c++) {
      System.out.printf("%-10s median %.1f ms, fastest %.1f, quartiles %.1f-%.1f%n", cases[c].name(), ms[c][mid],
          ms[c][0], ms[c][rounds / 4], ms[c][3 * rounds / 4]);
    }
  }
}
