package org.npffn.eval.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnFactory;
import org.npffn.stack.output.SequenceSoftmaxOutput;

/**
 * "block/KIND": forward + backward of one full transformer block (norms, attention, FFN, residuals) in a
 * ComputationGraph with workspaces, as in training, with a small softmax head on its output. Checked against the
 * same graph in double precision (its parameters copied): score and every parameter gradient.
 */
public final class BlockCase implements ProfiledCase {
  private static final int CLASSES = 8;
  private static final String AGAINST = "the same graph in double precision";
  private final String kind;
  private final int batch;
  private final int length;
  private final int width;
  private final int heads;
  private final FfnFactory ffn;
  private final double ffnFlopsPerToken;
  private ComputationGraph net;
  private INDArray x;
  private INDArray labels;

  /**
   * @param kind the FFN kind, for the row name
   * @param ffnFlopsPerToken forward FLOPs per token of the FFN the factory makes
   */
  public BlockCase(String kind, int batch, int length, int width, int heads, FfnFactory ffn,
      double ffnFlopsPerToken) {
    this.kind = kind;
    this.batch = batch;
    this.length = length;
    this.width = width;
    this.heads = heads;
    this.ffn = ffn;
    this.ffnFlopsPerToken = ffnFlopsPerToken;
  }

  @Override
  public String name() {
    return "block/" + kind;
  }

  @Override
  public void setUp() {
    net = graph(DataType.FLOAT);
    x = Nd4j.randn(DataType.FLOAT, batch, length, width);
    net.setInputs(x);
    labels = Nd4j.zeros(DataType.FLOAT, batch, length, CLASSES);
    labels.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)).assign(1.0);
    net.setLabels(labels);
  }

  private ComputationGraph graph(DataType dataType) {
    TransformerStack stack = new TransformerStack().width(width).heads(heads).maxLength(length).ffn(ffn);
    ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(7)
        .dataType(dataType).trainingWorkspaceMode(WorkspaceMode.ENABLED).graphBuilder().addInputs("x");
    String out = stack.addBlock(g, 0, "x");
    // A small softmax head (8 classes), the stack's own: DL4J's RnnOutputLayer here took 33.6 and 77.4 ms of
    // 246 and 224 ms block steps in two runs of bench --profile (docs/benchmarks.md), most of it its backward.
    g.addLayer("loss", new SequenceSoftmaxOutput.Builder().nOut(CLASSES).dataFormat(RNNFormat.NWC).build(), out);
    g.setOutputs("loss").setInputTypes(InputType.recurrent(width, length, RNNFormat.NWC));
    ComputationGraph graph = new ComputationGraph(g.build());
    graph.init();
    return graph;
  }

  @Override
  public double run() {
    net.computeGradientAndScore();
    return net.score() + net.gradient().gradient().getDouble(0);
  }

  @Override
  public StepProfile profile(int repeats) {
    return StepProfile.of(net, new MultiDataSet(x, labels), repeats);
  }

  /** The timed work, then its score and every parameter gradient, by name. */
  Map<String, INDArray> step() {
    run();
    return results(net);
  }

  /** The same step by the same graph in double precision, on the same inputs, labels and parameters. */
  Map<String, INDArray> reference() {
    ComputationGraph twin = graph(DataType.DOUBLE);
    twin.setParams(net.params().castTo(DataType.DOUBLE));
    twin.setInputs(x.castTo(DataType.DOUBLE));
    twin.setLabels(labels.castTo(DataType.DOUBLE));
    twin.computeGradientAndScore();
    return results(twin);
  }

  private static Map<String, INDArray> results(ComputationGraph graph) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("score", Nd4j.scalar(graph.score()));
    graph.gradient().gradientForVariable().forEach((key, g) -> out.put("d" + key, g));
    return out;
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = step();
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, ran, reference());
  }

  @Override
  public double flops() {
    // Attention per token: QKV 2·3d², output 2·d², scores and weighted sum 2·2·T·d (full T x T computed).
    double attention = 2.0 * 4 * width * width + 4.0 * length * width;
    return 3 * (attention + ffnFlopsPerToken) * batch * length;
  }

  @Override
  public String shape() {
    return String.format("N=%d (B=%d x T=%d), d=%d, nh=%d", batch * length, batch, length, width, heads);
  }
}
