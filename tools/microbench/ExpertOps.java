import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;

/** One MoE expert's kernel at E = 64 (128 rows, d = 256, d_e = 512), op by op on one BLAS thread, and a dense-FFN block's gemm. */
public class ExpertOps {
  interface Op { void run(); }
  static void time(String name, Op op){
    for(int i=0;i<200;i++) op.run();
    long best=Long.MAX_VALUE;
    for(int round=0;round<7;round++){ long t0=System.nanoTime(); for(int i=0;i<200;i++) op.run(); best=Math.min(best,System.nanoTime()-t0);}    
    System.out.printf("%-44s %8.1f us%n",name,best/200e3);
  }
  public static void main(String[] a){
    Nd4j.factory().blas().setMaxThreads(1);
    int n=128, d=256, h=512;
    DataType f=DataType.FLOAT;
    INDArray x=Nd4j.rand(f,n,d), w1=Nd4j.rand(f,d,h), b1=Nd4j.rand(f,1,h), w2=Nd4j.rand(f,h,d), b2=Nd4j.rand(f,1,d);
    INDArray pre=Nd4j.rand(f,n,h), sig=Nd4j.rand(f,n,h), hid=Nd4j.rand(f,n,h), y=Nd4j.create(f,n,d), dy=Nd4j.rand(f,n,d), dh=Nd4j.rand(f,n,h);
    INDArray gw1=Nd4j.create(f,d,h), gw2=Nd4j.create(f,h,d), gb=Nd4j.create(f,1,h), ones=Nd4j.ones(f,1,n), dx=Nd4j.create(f,n,d);
    time("gemm x W1 [128,256]x[256,512]", ()->Nd4j.gemm(x,w1,pre,false,false,1,0));
    time("addiRowVector b1 [128,512]", ()->pre.addiRowVector(b1));
    time("pre.mul(a, sig)", ()->pre.mul(1.702, sig));
    time("Sigmoid in place [128,512]", ()->Nd4j.exec(new Sigmoid(sig,sig)));
    time("pre.mul(sig, hid)", ()->pre.mul(sig, hid));
    time("gemm hid W2 [128,512]x[512,256]", ()->Nd4j.gemm(hid,w2,y,false,false,1,0));
    time("gemm hid^T dy -> dW2 [512,128]x[128,256]", ()->Nd4j.gemm(hid,dy,gw2,true,false,1,0));
    time("gemm ones dy (colsum) [1,128]x[128,256]", ()->Nd4j.gemm(ones,dy,b2,false,false,1,0));
    time("gemm dy W2^T -> dHid [128,256]x[256,512]", ()->Nd4j.gemm(dy,w2,dh,false,true,1,0));
    time("gelu bwd chain (5 ops)", ()->sig.rsub(1.0, pre).muli(hid).muli(1.702).addi(sig).muli(dh));
    time("gemm x^T dpre -> dW1 [256,128]x[128,512]", ()->Nd4j.gemm(x,pre,gw1,true,false,1,0));
    time("gemm dpre W1^T -> dx [128,512]x[512,256]", ()->Nd4j.gemm(pre,w1,dx,false,true,1,0));
    INDArray bx=Nd4j.rand(f,2048,d), bpre=Nd4j.create(f,2048,1024), bw=Nd4j.rand(f,d,1024);
    time("dense block gemm [2048,256]x[256,1024]", ()->Nd4j.gemm(bx,bw,bpre,false,false,1,0));
  }
}
