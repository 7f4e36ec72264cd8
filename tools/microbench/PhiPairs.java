import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import java.util.Arrays;

/**
 * The NP's φ first layer on transition pairs as two gemms of r = 64 columns (x W1a, x W1b) or one of 2r
 * (x [W1a | W1b]), forward, weight gradient and input gradient, on a block of 2,048 rows (d = 256); two
 * threads do the same at once with BLAS on one thread each, as SequenceBlocks runs a training step.
 * Prints thread 0's medians of 40 runs, three times.
 */
public class PhiPairs {
  static double[] run(int n) {
    INDArray x = Nd4j.rand(DataType.FLOAT, n, 256);
    INDArray wa = Nd4j.rand(DataType.FLOAT, 256, 64), wb = Nd4j.rand(DataType.FLOAT, 256, 64);
    INDArray wab = Nd4j.rand(DataType.FLOAT, 256, 128);
    INDArray p = Nd4j.create(DataType.FLOAT, n, 64), q = Nd4j.create(DataType.FLOAT, n, 64);
    INDArray pq = Nd4j.create(DataType.FLOAT, n, 128);
    INDArray ga = Nd4j.create(DataType.FLOAT, 256, 64), gb = Nd4j.create(DataType.FLOAT, 256, 64);
    INDArray gab = Nd4j.create(DataType.FLOAT, 256, 128);
    INDArray dx = Nd4j.create(DataType.FLOAT, n, 256);
    double[][] t = new double[6][40];
    for (int i = -10; i < 40; i++) {
      long s = System.nanoTime();
      Nd4j.gemm(x, wa, p, false, false, 1, 0); Nd4j.gemm(x, wb, q, false, false, 1, 0);
      long s1 = System.nanoTime();
      Nd4j.gemm(x, wab, pq, false, false, 1, 0);
      long s2 = System.nanoTime();
      Nd4j.gemm(x, p, ga, true, false, 1, 0); Nd4j.gemm(x, q, gb, true, false, 1, 0);
      long s3 = System.nanoTime();
      Nd4j.gemm(x, pq, gab, true, false, 1, 0);
      long s4 = System.nanoTime();
      Nd4j.gemm(p, wa, dx, false, true, 1, 1); Nd4j.gemm(q, wb, dx, false, true, 1, 1);
      long s5 = System.nanoTime();
      Nd4j.gemm(pq, wab, dx, false, true, 1, 1);
      long s6 = System.nanoTime();
      if (i >= 0) { t[0][i]=(s1-s)/1e6; t[1][i]=(s2-s1)/1e6; t[2][i]=(s3-s2)/1e6; t[3][i]=(s4-s3)/1e6; t[4][i]=(s5-s4)/1e6; t[5][i]=(s6-s5)/1e6; }
    }
    double[] med = new double[6];
    for (int k = 0; k < 6; k++) { Arrays.sort(t[k]); med[k] = t[k][20]; }
    return med;
  }
  public static void main(String[] a) throws Exception {
    Nd4j.getBlasWrapper();
    Nd4j.factory().blas().setMaxThreads(1);
    for (int rep = 0; rep < 3; rep++) {
      double[][] res = new double[2][];
      Thread t0 = new Thread(() -> res[0] = run(2048)), t1 = new Thread(() -> res[1] = run(2048));
      t0.start(); t1.start(); t0.join(); t1.join();
      System.out.printf("fwd two %.3f one %.3f | dW two %.3f one %.3f | dx two %.3f one %.3f ms (thread 0)%n", res[0][0], res[0][1], res[0][2], res[0][3], res[0][4], res[0][5]);
    }
  }
}
