package org.npffn.eval.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.DenseFfn;

/**
 * "dense-ffn": forward + backward of the dense FFN layer alone, float32, on N = B·T token rows. Runs the
 * layer's own activate / backpropGradient, as DL4J calls them.
 */
public final class DenseFfnCase implements BenchCase {
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
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray y = layer.activate(true, mgr);
    INDArray dx = layer.backpropGradient(dy, mgr).getSecond();
    return y.getDouble(0, 0, 0) + dx.getDouble(batch - 1, length - 1, width - 1);
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
