package org.npffn.eval.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.DenseFfn;

/**
 * "dense-ffn": forward + backward of the dense FFN layer alone, float32, on N = B·T token rows. Runs the
 * layer's own activate / backpropGradient, as DL4J calls them. Checked against {@link PlainFfn}.
 */
public final class DenseFfnCase implements BenchCase {
  private static final String AGAINST = "plain FFN formulas in double precision (PlainFfn)";
  private final int batch;
  private final int length;
  private final int width;
  private final int hidden;
  private Layer layer;
  private INDArray x;
  private INDArray dy;
  private double flopsPerToken;

  public DenseFfnCase(int batch, int length, int width, int hidden) {
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.hidden = hidden;
  }

  @Override
  public String name() {
    return "dense-ffn";
  }

  @Override
  public void setUp() {
    DenseFfn conf = new DenseFfn.Builder().hidden(hidden).build();
    layer = SingleLayer.instantiate(conf, width, length);
    flopsPerToken = conf.cost().flopsPerToken();
    // biases start at zero: random ones, so a kernel that drops a bias fails its reference
    layer.getParam(DenseFfn.B1).assign(Nd4j.randn(DataType.FLOAT, 1, hidden).muli(0.1));
    layer.getParam(DenseFfn.B2).assign(Nd4j.randn(DataType.FLOAT, 1, width).muli(0.1));
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

  /** The same step by {@link PlainFfn} in double precision, on the same inputs and parameters. */
  Map<String, INDArray> reference() {
    long n = (long) batch * length;
    INDArray w1 = layer.getParam(DenseFfn.W1);
    INDArray w2 = layer.getParam(DenseFfn.W2);
    PlainFfn f = PlainFfn.forward(x.reshape('c', n, width), w1, layer.getParam(DenseFfn.B1), w2,
        layer.getParam(DenseFfn.B2));
    PlainFfn.Grads g = f.backward(dy.reshape('c', n, width), w1, w2);
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("y", f.y());
    out.put("dx", g.dx());
    out.put("d" + DenseFfn.W1, g.dW1());
    out.put("d" + DenseFfn.B1, g.db1());
    out.put("d" + DenseFfn.W2, g.dW2());
    out.put("d" + DenseFfn.B2, g.db2());
    return out;
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = step();
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, ran, reference());
  }

  @Override
  public double flops() {
    // backward = 2 x forward (dX and dW products)
    return 3 * flopsPerToken * (double) batch * length;
  }

  @Override
  public String shape() {
    return String.format("N=%d (B=%d x T=%d), d=%d, h=%d, GELU", batch * length, batch, length, width, hidden);
  }
}
