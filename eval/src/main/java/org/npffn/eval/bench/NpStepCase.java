package org.npffn.eval.bench;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.np.ContextMode;
import org.npffn.np.NpFfn;

/**
 * "decode-ffn/np/t=n": one rnnTimeStep of the NP FFN layer alone, the n-th token of each sequence, from the running
 * context of the n-1 earlier ones (the context scan's S and W and the last token's h W1a: the same few numbers at
 * every n). The state is built once in {@link #setUp} and put back before every run by {@link #prepare}, untimed.
 * Checked against the layer's full forward over the n tokens in double precision (its parameters copied), last
 * position.
 */
public final class NpStepCase implements BenchCase {
  private static final String AGAINST = "the layer's full forward of the t tokens in double precision, last "
      + "position";
  private final int batch;
  private final int length;
  private final int width;
  private final int hidden;
  private final int groups;
  private final int contextWidth;
  private NpFfn conf;
  private Layer layer;
  private INDArray x;
  private Map<String, INDArray> primed;

  /** @param length t: the step is of token t, after t-1 in the context */
  public NpStepCase(int batch, int length, int width, int hidden, int groups, int contextWidth) {
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.hidden = hidden;
    this.groups = groups;
    this.contextWidth = contextWidth;
  }

  @Override
  public String name() {
    return "decode-ffn/np/t=" + length;
  }

  @Override
  public void setUp() {
    conf = new NpFfn.Builder().hidden(hidden).groups(groups).contextWidth(contextWidth)
        .contextMode(ContextMode.TRANSITION).build();
    layer = SingleLayer.instantiate(conf, width, length);
    conf = (NpFfn) layer.conf().getLayer();
    // a random selector and biases (they start at zero), so a step that drops one fails its reference
    for (String key : new String[] {NpFfn.A_OUT, NpFfn.B_UP, NpFfn.B_DOWN}) {
      layer.getParam(key).assign(Nd4j.randn(DataType.FLOAT, layer.getParam(key).shape()).muli(0.1));
    }
    x = Nd4j.randn(DataType.FLOAT, batch, length, width); //                 [B, T, C]
    recurrent().rnnClearPreviousState();
    recurrent().rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, length - 1), NDArrayIndex.all()),
        LayerWorkspaceMgr.noWorkspaces());
    primed = recurrent().rnnGetPreviousState();
  }

  private RecurrentLayer recurrent() {
    return (RecurrentLayer) layer;
  }

  @Override
  public void prepare() {
    recurrent().rnnSetPreviousState(primed);
  }

  @Override
  public double run() {
    INDArray y = step(); //                                                    [B, 1, C]
    return y.getDouble(0, 0, 0) + y.getDouble(batch - 1, 0, width - 1);
  }

  /** The timed work, from the state the layer holds: its output at token t, [B, 1, C]. */
  INDArray step() {
    return recurrent().rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.interval(length - 1, length),
        NDArrayIndex.all()), LayerWorkspaceMgr.noWorkspaces());
  }

  /** The timed work after {@link #prepare}, by name: the output at token t, [B, C]. */
  Map<String, INDArray> output() {
    prepare();
    return Map.of("y", step().dup().reshape('c', batch, width));
  }

  /** The layer's full forward over the t tokens in double precision, at token t: [B, C]. */
  Map<String, INDArray> reference() {
    Layer twin = SingleLayer.instantiate((NpFfn) conf.clone(), width, length, DataType.DOUBLE);
    twin.setParams(layer.params().castTo(DataType.DOUBLE));
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    twin.setInput(x.castTo(DataType.DOUBLE), mgr);
    INDArray y = twin.activate(false, mgr); //                                 [B, T, C]
    return Map.of("y", y.get(NDArrayIndex.all(), NDArrayIndex.point(length - 1), NDArrayIndex.all()).dup());
  }

  /** The layer, e.g. to clear its state as a lost context would. */
  Layer layer() {
    return layer;
  }

  @Override
  public ReferenceCheck checkReference() {
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, output(), reference());
  }

  @Override
  public double flops() {
    return batch * (double) conf.cost().flopsPerToken();
  }

  @Override
  public String shape() {
    return String.format("B=%d, one token after %d in the context; d=%d, h=%d, M=%d, r=%d, transition", batch,
        length - 1, width, hidden, groups, contextWidth);
  }
}
