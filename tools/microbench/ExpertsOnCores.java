import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.ffn.FfnKernel;
import org.npffn.stack.ffn.FfnWeights;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.RowBlockView;
import org.npffn.stack.layers.ScratchBuffers;

/**
 * The MoE expert kernels alone (8,192 slots, d = 256, d_e = 512, E from the first argument) on one worker with
 * BLAS on every core, and one worker per core with single-threaded BLAS (CoreParallel), alternately.
 */
public class ExpertsOnCores {
  interface Step {
    void run();
  }

  static double median(Step step) {
    for (int w = 0; w < 5; w++) {
      step.run();
    }
    double[] t = new double[21];
    for (int k = 0; k < t.length; k++) {
      long start = System.nanoTime();
      step.run();
      t[k] = (System.nanoTime() - start) / 1e6;
    }
    java.util.Arrays.sort(t);
    return t[t.length / 2];
  }

  public static void main(String[] args) {
    Nd4j.factory().blas().setMaxThreads(Runtime.getRuntime().availableProcessors());
    int e = Integer.parseInt(args[0]);
    int slots = 8192;
    int rows = slots / e;
    int d = 256;
    int h = 512;
    ScratchBuffers buffers = new ScratchBuffers();
    buffers.ones(DataType.FLOAT, slots);
    INDArray xs = Nd4j.rand(DataType.FLOAT, slots, d);
    INDArray dys = Nd4j.rand(DataType.FLOAT, slots, d);
    INDArray dxs = Nd4j.create(DataType.FLOAT, slots, d);
    FfnWeights[] w = new FfnWeights[e];
    FfnWeights[] g = new FfnWeights[e];
    for (int i = 0; i < e; i++) {
      w[i] = new FfnWeights(Nd4j.rand(DataType.FLOAT, d, h).subi(0.5).muli(0.1), Nd4j.rand(DataType.FLOAT, 1, h),
          Nd4j.rand(DataType.FLOAT, h, d).subi(0.5).muli(0.1), Nd4j.rand(DataType.FLOAT, 1, d));
      g[i] = new FfnWeights(Nd4j.create(DataType.FLOAT, d, h), Nd4j.create(DataType.FLOAT, 1, h),
          Nd4j.create(DataType.FLOAT, h, d), Nd4j.create(DataType.FLOAT, 1, d));
    }
    FfnKernel.Work work = FfnKernel.arrays(buffers, "x.", DataType.FLOAT, slots, d, h, FfnActivation.GELU);
    for (int workers : new int[] {1, 2, 1, 2}) {
      CoreParallel cores = new CoreParallel(workers);
      double forward = median(() -> cores.run(e, i -> FfnKernel.forward(
          RowBlockView.rows(xs, i * rows, (i + 1) * rows), w[i], FfnActivation.GELU,
          work.rows(i * rows, (i + 1) * rows))));
      double backward = median(() -> cores.run(e, i -> FfnKernel.backward(
          RowBlockView.rows(xs, i * rows, (i + 1) * rows), w[i], FfnActivation.GELU,
          work.rows(i * rows, (i + 1) * rows), RowBlockView.rows(dys, i * rows, (i + 1) * rows), g[i],
          RowBlockView.rows(dxs, i * rows, (i + 1) * rows), buffers)));
      System.out.printf("E=%d workers=%d forward %.1f ms backward %.1f ms%n", e, workers, forward, backward);
    }
  }
}
