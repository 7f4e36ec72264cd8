import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.*;
import org.npffn.stack.layers.*;
import static org.nd4j.linalg.indexing.NDArrayIndex.*;
public class Experts {
  static double time(Runnable r) { for (int i=0;i<5;i++) r.run(); int n=15; double[] t=new double[n];
    for (int i=0;i<n;i++){System.gc(); long s=System.nanoTime(); r.run(); t[i]=(System.nanoTime()-s)/1e6;} java.util.Arrays.sort(t); return t[n/2]; }
  public static void main(String[] a) {
    Nd4j.factory().blas().setMaxThreads(2);
    for (int e : new int[]{8, 64}) {
      int slots = 8192, rows = slots / e, d = 256, h = 512;
      ScratchBuffers buffers = new ScratchBuffers();
      INDArray xs = Nd4j.rand(DataType.FLOAT, slots, d), dys = Nd4j.rand(DataType.FLOAT, slots, d), dxs = Nd4j.create(DataType.FLOAT, slots, d);
      long per = (long) d * h * 2 + h + d;
      INDArray flat = Nd4j.rand(DataType.FLOAT, 1, e * per).subi(0.5).muli(0.1), gflat = Nd4j.create(DataType.FLOAT, 1, e * per);
      FfnWeights[] w = new FfnWeights[e], g = new FfnWeights[e];
      for (int i = 0; i < e; i++) { w[i] = view(flat, i * per, d, h); g[i] = view(gflat, i * per, d, h); }
      FfnKernel.Work work = FfnKernel.arrays(buffers, "x.", DataType.FLOAT, slots, d, h, FfnActivation.GELU);
      double fwd = time(() -> { for (int i = 0; i < e; i++) FfnKernel.forward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows)); });
      double both = time(() -> { for (int i = 0; i < e; i++) FfnKernel.forward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows));
        for (int i = 0; i < e; i++) FfnKernel.backward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows), dys.get(interval(i*rows,(i+1)*rows), all()), g[i], dxs.get(interval(i*rows,(i+1)*rows), all()), buffers); });
      System.out.printf("E=%d experts fwd %.1f ms, fwd+bwd %.1f ms%n", e, fwd, both);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      ScratchBuffers b2 = new ScratchBuffers(); b2.ones(DataType.FLOAT, 8192); buffers.ones(DataType.FLOAT, 8192);
      Nd4j.factory().blas().setMaxThreads(Integer.getInteger("parBlas", 1));
      double par = time(() -> {
        java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
        for (int tt = 0; tt < 2; tt++) { final int t0 = tt; final ScratchBuffers bb = tt == 0 ? buffers : b2; fs.add(pool.submit(() -> {
          for (int i = t0; i < e; i += 2) FfnKernel.forward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows));
          for (int i = t0; i < e; i += 2) FfnKernel.backward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows), dys.get(interval(i*rows,(i+1)*rows), all()), g[i], dxs.get(interval(i*rows,(i+1)*rows), all()), bb);
        })); }
        for (var f : fs) { try { f.get(); } catch (Exception ex) { throw new RuntimeException(ex); } }
      });
      Nd4j.factory().blas().setMaxThreads(2);
      pool.shutdown();
      double both2 = time(() -> { for (int i = 0; i < e; i++) FfnKernel.forward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows));
        for (int i = 0; i < e; i++) FfnKernel.backward(xs.get(interval(i*rows,(i+1)*rows), all()), w[i], FfnActivation.GELU, work.rows(i*rows,(i+1)*rows), dys.get(interval(i*rows,(i+1)*rows), all()), g[i], dxs.get(interval(i*rows,(i+1)*rows), all()), buffers); });
      System.out.printf("E=%d two java threads x 1 BLAS thread fwd+bwd %.1f ms; sequential again %.1f ms%n", e, par, both2);
    }
    ScratchBuffers buffers = new ScratchBuffers();
    INDArray x = Nd4j.rand(DataType.FLOAT, 4096, 256), dy = Nd4j.rand(DataType.FLOAT, 4096, 256), dx = Nd4j.create(DataType.FLOAT, 4096, 256);
    long per = 256L * 1024 * 2 + 1024 + 256;
    INDArray flat = Nd4j.rand(DataType.FLOAT, 1, per).subi(0.5).muli(0.1), gflat = Nd4j.create(DataType.FLOAT, 1, per);
    FfnWeights w = view(flat, 0, 256, 1024), g = view(gflat, 0, 256, 1024);
    FfnKernel.Work work = FfnKernel.arrays(buffers, "d.", DataType.FLOAT, 4096, 256, 1024, FfnActivation.GELU);
    FfnWeights g2 = view(Nd4j.create(DataType.FLOAT, 1, per), 0, 256, 1024);
    ScratchBuffers bb2 = new ScratchBuffers(); bb2.ones(DataType.FLOAT, 4096); buffers.ones(DataType.FLOAT, 4096);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    Nd4j.factory().blas().setMaxThreads(1);
    double par = time(() -> {
      java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int tt = 0; tt < 2; tt++) { final int t0 = tt; fs.add(pool.submit(() -> {
        FfnKernel.Work wk = work.rows(t0 * 2048, (t0 + 1) * 2048);
        INDArray xh = x.get(interval(t0 * 2048, (t0 + 1) * 2048), all());
        FfnKernel.forward(xh, w, FfnActivation.GELU, wk);
        FfnKernel.backward(xh, w, FfnActivation.GELU, wk, dy.get(interval(t0 * 2048, (t0 + 1) * 2048), all()), t0 == 0 ? g : g2, dx.get(interval(t0 * 2048, (t0 + 1) * 2048), all()), t0 == 0 ? buffers : bb2);
      })); }
      for (var f : fs) { try { f.get(); } catch (Exception ex) { throw new RuntimeException(ex); } }
      g.w1().addi(g2.w1()); g.w2().addi(g2.w2()); g.b1().addi(g2.b1()); g.b2().addi(g2.b2());
    });
    Nd4j.factory().blas().setMaxThreads(2);
    pool.shutdown();
    System.out.printf("dense two workers x 1 BLAS thread %.1f ms%n", par);
    System.out.printf("dense fwd+bwd %.1f ms%n", time(() -> { FfnKernel.forward(x, w, FfnActivation.GELU, work); FfnKernel.backward(x, w, FfnActivation.GELU, work, dy, g, dx, buffers); }));
  }
  static FfnWeights view(INDArray flat, long off, int d, int h) {
    INDArray row = flat.reshape(flat.length());
    INDArray w1 = row.get(interval(off, off + (long) d*h)).reshape('c', d, h); off += (long) d*h;
    INDArray b1 = row.get(interval(off, off + h)).reshape('c', 1, h); off += h;
    INDArray w2 = row.get(interval(off, off + (long) d*h)).reshape('c', h, d); off += (long) d*h;
    INDArray b2 = row.get(interval(off, off + d)).reshape('c', 1, d);
    return new FfnWeights(w1, b1, w2, b2);
  }
}
