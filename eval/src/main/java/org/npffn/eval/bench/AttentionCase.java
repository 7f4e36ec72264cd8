package org.npffn.eval.bench;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.attention.CausalSelfAttention;

/**
 * "attention": forward + backward of the causal self-attention layer alone, float32, at a block's shapes. Runs the
 * layer's own activate / backpropGradient, as DL4J calls them. Checked against {@link PlainAttention}, one
 * sequence and one head at a time in double precision.
 */
public final class AttentionCase implements BenchCase {
  private static final String AGAINST = "per-sequence, per-head attention in double precision (PlainAttention)";
  private final int batch;
  private final int length;
  private final int width;
  private final int heads;
  private Layer layer;
  private INDArray x;
  private INDArray dy;

  public AttentionCase(int batch, int length, int width, int heads) {
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.heads = heads;
  }

  @Override
  public String name() {
    return "attention";
  }

  @Override
  public void setUp() {
    layer = SingleLayer.instantiate(new CausalSelfAttention.Builder().nHeads(heads).build(), width, length);
    // biases start at zero: random ones, so a kernel that drops a bias fails its reference
    layer.getParam(CausalSelfAttention.B_QKV).assign(Nd4j.randn(DataType.FLOAT, 1, 3L * width).muli(0.1));
    layer.getParam(CausalSelfAttention.B_OUT).assign(Nd4j.randn(DataType.FLOAT, 1, width).muli(0.1));
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    Map<String, INDArray> r = step();
    return r.get("y").getDouble(0, 0, 0) + r.get("dx").getDouble(batch - 1, length - 1, width - 1);
  }

  /** The timed work: the layer's forward and backward; y, dx and the parameter gradients. */
  Map<String, INDArray> step() {
    return SingleLayer.trainingStep(layer, x, dy);
  }

  /** The same step by {@link PlainAttention} in double precision, on the same inputs and parameters. */
  Map<String, INDArray> reference() {
    return PlainAttention.step(x, dy, layer.paramTable(), heads);
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = step();
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, ran, reference());
  }

  /**
   * Per token forward: the Q, K, V and output projections 2·4·C² and the scores and weighted values 2·2·T·C, the
   * whole T x T computed (the causal half is masked, not skipped); the backward is twice the forward.
   */
  @Override
  public double flops() {
    double perToken = 8.0 * width * width + 4.0 * length * width;
    return 3 * perToken * batch * length;
  }

  @Override
  public String shape() {
    return String.format("N=%d (B=%d x T=%d), C=%d, nh=%d, hs=%d, causal", batch * length, batch, length, width,
        heads, width / heads);
  }
}
