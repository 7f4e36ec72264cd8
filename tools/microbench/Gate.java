import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
public class Gate { 
  static double time(Runnable r) { for (int i=0;i<5;i++) r.run(); int n=30; double[] t=new double[n];
    for (int i=0;i<n;i++){long s=System.nanoTime(); r.run(); t[i]=(System.nanoTime()-s)/1e6;} java.util.Arrays.sort(t); return t[n/2]; }
  public static void main(String[] a) {
  Nd4j.factory().blas().setMaxThreads(2);
  int n=4096, h=1024, m=8, w=h/m;
  INDArray act = Nd4j.rand(DataType.FLOAT, n, h), scale = Nd4j.rand(DataType.FLOAT, n, m), E = Nd4j.zeros(DataType.FLOAT, m, h);
  for (int j=0;j<h;j++) E.putScalar(j/w, j, 1.0);
  INDArray expanded = Nd4j.create(DataType.FLOAT, n, h), gated = Nd4j.create(DataType.FLOAT, n, h);
  System.out.printf("gemm expand + mul  %.2f ms%n", time(() -> { Nd4j.gemm(scale, E, expanded, false, false, 1.0, 0.0); act.mul(expanded, gated); }));
  System.out.printf("  gemm expand only %.2f ms%n", time(() -> Nd4j.gemm(scale, E, expanded, false, false, 1.0, 0.0)));
  System.out.printf("  mul only %.2f ms%n", time(() -> act.mul(expanded, gated)));
  INDArray act2 = act.reshape('c', (long) n*m, w), gated2 = gated.reshape('c', (long) n*m, w), col = scale.reshape('c', (long) n*m, 1);
  System.out.printf("broadcast column mul %.2f ms%n", time(() -> Nd4j.exec(new BroadcastMulOp(act2, col, gated2, 0))));
  System.out.printf("muliColumnVector in place %.2f ms%n", time(() -> gated2.muliColumnVector(col)));
  INDArray ds = Nd4j.create(DataType.FLOAT, n, m), ones = Nd4j.ones(DataType.FLOAT, w, 1);
  System.out.printf("dScale gemm E^T %.2f ms%n", time(() -> Nd4j.gemm(act, E, ds, false, true, 1.0, 0.0)));
  INDArray ds2 = ds.reshape('c', (long) n*m, 1);
  System.out.printf("dScale gemv ones %.2f ms%n", time(() -> Nd4j.gemm(act2, ones, ds2, false, false, 1.0, 0.0)));
  System.out.printf("dScale sum(1) %.2f ms%n", time(() -> act2.sum(ds2.reshape(n*m), 1)));
}}
