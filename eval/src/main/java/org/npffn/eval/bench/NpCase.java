package org.npffn.eval.bench;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.np.ContextMode;
import org.npffn.np.NpFfn;
import org.npffn.np.NpFfnLayer;
import org.npffn.np.NpInference;
import org.npffn.stack.routing.Overflow;
import org.npffn.stack.routing.TopKRouter;

/**
 * "np/T=n": forward + backward of the NP layer at a constant N tokens per batch (B = N / T), transition
 * context; "np-infer/k=n": forward only at inference, keeping each token's top-k groups. Both are checked against
 * {@link NpReference}, the layer's equations in double precision.
 */
public final class NpCase implements BenchCase {
  private static final String AGAINST = "the NP equations, forward and backward by hand, in double precision "
      + "(NpReference)";
  private static final String AGAINST_TOP_K = "the NP equations in double precision, each token's top-k groups "
      + "kept (NpReference)";
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
    ComputationGraph net = SingleLayer.network(conf, width, length, DataType.FLOAT);
    layer = net.getLayer("layer");
    flopsPerToken = ((NpFfn) layer.conf().getLayer()).cost().flopsPerToken();
    // a random selector, so top-k has real choices to make
    layer.getParam(NpFfn.A_OUT).assign(Nd4j.randn(DataType.FLOAT, layer.getParam(NpFfn.A_OUT).shape()));
    // biases start at zero: random ones, so a kernel that drops a bias fails its reference
    for (String bias : new String[] {NpFfn.B_UP, NpFfn.B_DOWN}) {
      layer.getParam(bias).assign(Nd4j.randn(DataType.FLOAT, layer.getParam(bias).shape()).muli(0.1));
    }
    NpInference.setTopK(net, inferenceTopK, true);
    int batch = tokens / length;
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    dy = Nd4j.randn(DataType.FLOAT, batch, length, width).muli(1e-3);
  }

  @Override
  public double run() {
    Map<String, INDArray> r = step();
    double check = r.get("y").getDouble(0, 0, 0);
    if (inferenceTopK == 0) {
      check += r.get("dx").getDouble(0, length - 1, width - 1);
    }
    return check;
  }

  /** The timed work: a training step (y, dx, the parameter gradients), or the inference forward (y). */
  Map<String, INDArray> step() {
    if (inferenceTopK == 0) {
      return SingleLayer.trainingStep(layer, x, dy);
    }
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    return Map.of("y", layer.activate(false, mgr));
  }

  /** The same work by {@link NpReference}, on the same inputs and parameters. */
  Map<String, INDArray> reference() {
    NpReference ref = new NpReference((NpFfn) layer.conf().getLayer(), layer.paramTable(),
        x.reshape('c', tokens, width), length);
    if (inferenceTopK == 0) {
      return ref.training(dy.reshape('c', tokens, width));
    }
    // the run's groups: the top-k of its own α, ranked as its dispatch ranks them (ties to the lower index)
    double[] runAlpha = ((NpFfnLayer) layer).lastGroupShares();
    boolean[] real = new boolean[tokens];
    Arrays.fill(real, true);
    int[] runChoice = TopKRouter.route(runAlpha, runAlpha, real, groups, inferenceTopK, Integer.MAX_VALUE,
        Overflow.DROP, true).choiceExpert();
    return Map.of("y", ref.topK(inferenceTopK, runChoice));
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = step();
    return ReferenceCheck.compare(inferenceTopK == 0 ? AGAINST : AGAINST_TOP_K, ReferenceCheck.FLOAT32_TOLERANCE,
        ran, reference());
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
