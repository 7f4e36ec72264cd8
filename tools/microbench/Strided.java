import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import static org.nd4j.linalg.indexing.NDArrayIndex.*;
public class Strided { 
  static double time(Runnable r) { for (int i=0;i<5;i++) r.run(); int n=20; double[] t=new double[n];
    for (int i=0;i<n;i++){long s=System.nanoTime(); r.run(); t[i]=(System.nanoTime()-s)/1e6;} java.util.Arrays.sort(t); return t[n/2]; }
  public static void main(String[] a) {
  Nd4j.factory().blas().setMaxThreads(Integer.getInteger("blas", 2));
  INDArray x = Nd4j.rand(DataType.FLOAT, 4096, 256), r = Nd4j.rand(DataType.FLOAT, 4096, 64), xr = Nd4j.create(DataType.FLOAT, 4096, 320);
  INDArray xv = xr.get(all(), interval(0, 256)), rv = xr.get(all(), interval(256, 320));
  INDArray dx = Nd4j.create(DataType.FLOAT, 4096, 256), dr = Nd4j.create(DataType.FLOAT, 4096, 64);
  System.out.printf("x -> xr[:, :d] %.2f ms%n", time(() -> xv.assign(x)));
  System.out.printf("r -> xr[:, d:] %.2f ms%n", time(() -> rv.assign(r)));
  System.out.printf("xr[:, :d] -> dx %.2f ms%n", time(() -> dx.assign(xv)));
  System.out.printf("xr[:, d:] -> dr %.2f ms%n", time(() -> dr.assign(rv)));
  System.out.printf("x -> dx contiguous %.2f ms%n", time(() -> dx.assign(x)));
  INDArray w = Nd4j.rand(DataType.FLOAT, 320, 1024), pre = Nd4j.create(DataType.FLOAT, 4096, 1024);
  INDArray wu = w.get(interval(0,256), all()).dup(), u = w.get(interval(256,320), all()).dup();
  System.out.printf("fused xr W %.2f ms%n", time(() -> Nd4j.gemm(xr, w, pre, false, false, 1.0, 0.0)));
  System.out.printf("x Wup + r U %.2f ms%n", time(() -> { Nd4j.gemm(x, wu, pre, false, false, 1.0, 0.0); Nd4j.gemm(r, u, pre, false, false, 1.0, 1.0);}));
  System.out.printf("x Wup alone %.2f ms%n", time(() -> { Nd4j.gemm(x, wu, pre, false, false, 1.0, 0.0);}));
  INDArray gw = Nd4j.create(DataType.FLOAT, 320, 1024), gwu = Nd4j.create(DataType.FLOAT, 256, 1024), gu = Nd4j.create(DataType.FLOAT, 64, 1024);
  System.out.printf("fused xr^T dpre %.2f ms%n", time(() -> Nd4j.gemm(xr, pre, gw, true, false, 1.0, 0.0)));
  System.out.printf("x^T dpre + r^T dpre %.2f ms%n", time(() -> { Nd4j.gemm(x, pre, gwu, true, false, 1.0, 0.0); Nd4j.gemm(r, pre, gu, true, false, 1.0, 0.0);}));
  INDArray dxr = Nd4j.create(DataType.FLOAT, 4096, 320);
  System.out.printf("fused dpre W^T %.2f ms%n", time(() -> Nd4j.gemm(pre, w, dxr, false, true, 1.0, 0.0)));
  System.out.printf("dpre Wup^T + dpre U^T %.2f ms%n", time(() -> { Nd4j.gemm(pre, wu, dx, false, true, 1.0, 0.0); Nd4j.gemm(pre, u, dr, false, true, 1.0, 0.0);}));
}}
