import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import static org.nd4j.linalg.indexing.NDArrayIndex.*;
public class Ops {
  static void time(String name, Runnable r) { for (int i=0;i<200;i++) r.run(); int n=2000; long s=System.nanoTime(); for (int i=0;i<n;i++) r.run(); System.out.printf("%-40s %7.1f us%n", name, (System.nanoTime()-s)/1e3/n); }
  public static void main(String[] a) {
    Nd4j.factory().blas().setMaxThreads(2);
    INDArray big = Nd4j.rand(DataType.FLOAT, 8192, 512), b = Nd4j.rand(DataType.FLOAT, 1, 512), s = Nd4j.create(DataType.FLOAT, 8192, 512);
    INDArray v = big.get(interval(128, 256), all()), sv = s.get(interval(128, 256), all());
    INDArray tiny = Nd4j.rand(DataType.FLOAT, 4, 4), tb = Nd4j.rand(DataType.FLOAT, 1, 4);
    time("addiRowVector tiny [4,4]", () -> tiny.addiRowVector(tb));
    time("addiRowVector view [128,512]", () -> v.addiRowVector(b));
    time("mul scalar view [128,512]", () -> v.mul(1.0, sv));
    time("sigmoid view [128,512]", () -> Nd4j.exec(new Sigmoid(sv, sv)));
    time("get(interval) view creation", () -> big.get(interval(128, 256), all()));
    org.nd4j.linalg.api.buffer.DataBuffer buf = big.data(); org.npffn.stack.layers.ScratchBuffers ones = new org.npffn.stack.layers.ScratchBuffers(); ones.ones(DataType.FLOAT, 8192);
    time("Nd4j.create(buffer, shape, stride, offset)", () -> Nd4j.create(buf, new long[]{128, 512}, new long[]{512, 1}, 128L*512, 'c'));
    time("RowBlockView.rows", () -> org.npffn.stack.layers.RowBlockView.rows(big, 128, 256)); time("ScratchBuffers.ones", () -> ones.ones(DataType.FLOAT, 128));
    time("reshape view", () -> big.reshape('c', 8192*8, 64));
    INDArray x = Nd4j.rand(DataType.FLOAT, 128, 256), w = Nd4j.rand(DataType.FLOAT, 256, 512), o = Nd4j.create(DataType.FLOAT, 128, 512);
    time("gemm 128x256x512", () -> Nd4j.gemm(x, w, o, false, false, 1.0, 0.0));
    INDArray x4 = Nd4j.rand(DataType.FLOAT, 4, 4), o4 = Nd4j.create(DataType.FLOAT, 4, 4);
    time("gemm 4x4x4", () -> Nd4j.gemm(x4, x4, o4, false, false, 1.0, 0.0));
  }
}
