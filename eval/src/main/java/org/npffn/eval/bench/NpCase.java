package org.npffn.eval.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.np.ContextMode;
import org.npffn.np.NpFfn;
import org.npffn.np.NpFfnLayer;

/**
 * "np/T=n": forward + backward of the NP layer at a constant N tokens per batch (B = N / T), transition
 * context; "np-infer/k=n": forward only at inference, keeping each token's top-k groups.
 */
public final class NpCase implements BenchCase {
  private final int tokens;
  private final int length;
  private final int width;
  private final int hidden;
  private final int groups;
  private final int contextWidth;
  private final int inferenceTopK;
  private Layer layer;
  private INDArray x;
  private INDArray dy;
  private long flopsPerToken;

  /** @param inferenceTopK 0 for the training case (forward + backward), else the inference top-k */
  public NpCase(int tokens, int length, int width, int hidden, int groups, int contextWidth, int inferenceTopK) {
    this.tokens = tokens;
    this.length = length;
    this.width = width;
    this.hidden = hidden;
    this.groups = groups;
    this.contextWidth = contextWidth;
    this.inferenceTopK = inferenceTopK;
  }

  @Override
  public String name() {
    return inferenceTopK == 0 ? "np/T=" + length : "np-infer/k=" + inferenceTopK;
  }

  @Override
  public void setUp() {
    NpFfn conf = new NpFfn.Builder().hidden(hidden).groups(groups).contextWidth(contextWidth)
        .contextMode(ContextMode.TRANSITION).build();
    layer = SingleLayer.instantiate(conf, width, length);
    flopsPerToken = ((NpFfn) layer.conf().getLayer()).cost().flopsPerToken();
    // a random selector, so top-k has real choices to make
    layer.getParam(NpFfn.A_OUT).assign(Nd4j.randn(DataType.FLOAT, layer.getParam(NpFfn.A_OUT).shape()));
    if (inferenceTopK > 0) {
      ((NpFfnLayer) layer).setInferenceTopK(inferenceTopK, true);
    }
    int batch = tokens / length;
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray y = layer.activate(inferenceTopK == 0, mgr);
    double check = y.getDouble(0, 0, 0);
    if (inferenceTopK == 0) {
      check += layer.backpropGradient(dy, mgr).getSecond().getDouble(0, length - 1, width - 1);
    }
    return check;
  }

  @Override
  public double flops() {
    // inference top-k: the decoder's 2·2·d·h shrinks to k/M of it
    double perToken = inferenceTopK == 0 ? flopsPerToken
        : flopsPerToken - 4.0 * width * hidden * (1 - (double) inferenceTopK / groups);
    return (inferenceTopK == 0 ? 3 : 1) * perToken * tokens;
  }

  @Override
  public String shape() {
    return String.format("N=%d (B=%d x T=%d), d=%d, h=%d, M=%d, r=%d, transition%s", tokens, tokens / length,
        length, width, hidden, groups, contextWidth, inferenceTopK == 0 ? "" : ", forward only");
  }
}
