package org.npffn.eval.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;

/**
 * "train-step/KIND": one whole training step of the harness's default preset for one arm (dense, moe = the
 * moe-aux arm, np), as compare runs it: net.fit on a batch of B x T byte windows, so the embeddings, every block,
 * the output layer and its loss, the backward, per-layer clipping and the AdamW update. Reports tokens/s beside the
 * time. Checked by the same network in double precision (its parameters copied) on the same batch: score and every
 * parameter gradient.
 */
public final class TrainStepCase implements ProfiledCase {
  private static final String AGAINST = "the same network in double precision";
  private static final long SEED = 7;
  private final String kind;
  private final TrainConfig config;
  private ComputationGraph net;
  private MultiDataSet batch;
  private long realTokens;

  /** @param kind dense, moe or np ({@link DecodeModel#arm}) */
  public TrainStepCase(String kind, TrainConfig config) {
    this.kind = kind;
    this.config = config;
  }

  @Override
  public String name() {
    return "train-step/" + kind;
  }

  @Override
  public void setUp() {
    net = LanguageModelTrainer.network(config, DecodeModel.arm(kind).factory(config, FfnSettings.defaults()));
    // windows of random bytes: the time of a step does not depend on the text
    Random rng = new Random(SEED);
    byte[] document = new byte[64 * config.length() * config.batch()];
    rng.nextBytes(document);
    TokenBatch b = new ByteWindows(List.of(document), config.length()).random(rng, config.batch());
    batch = b.toMultiDataSet();
    realTokens = b.realTokens();
  }

  @Override
  public double run() {
    net.fit(batch);
    return net.score();
  }

  @Override
  public StepProfile profile(int repeats) {
    return StepProfile.of(net, batch, repeats);
  }

  /** The forward + backward of the timed step (no update): its score and every parameter gradient. */
  Map<String, INDArray> step() {
    return gradients(net, batch);
  }

  /** The same by the network in double precision, its parameters copied, on the same batch. */
  Map<String, INDArray> reference() {
    MultiDataSet inDouble = new MultiDataSet(cast(batch.getFeatures()), cast(batch.getLabels()),
        cast(batch.getFeaturesMaskArrays()), cast(batch.getLabelsMaskArrays()));
    return gradients(net.convertDataType(DataType.DOUBLE), inDouble);
  }

  @Override
  public ReferenceCheck checkReference() {
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, step(), reference());
  }

  /** The score and every parameter gradient of one forward + backward (no update) of {@code graph}. */
  private static Map<String, INDArray> gradients(ComputationGraph graph, MultiDataSet data) {
    graph.setInputs(data.getFeatures());
    graph.setLabels(data.getLabels());
    graph.setLayerMaskArrays(data.getFeaturesMaskArrays(), data.getLabelsMaskArrays());
    graph.computeGradientAndScore();
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put("score", Nd4j.scalar(graph.score()));
    graph.gradient().gradientForVariable().forEach((key, g) -> out.put("d" + key, g.dup()));
    graph.clearLayerMaskArrays();
    return out;
  }

  private static INDArray[] cast(INDArray[] arrays) {
    INDArray[] out = new INDArray[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      out[i] = arrays[i].castTo(DataType.DOUBLE);
    }
    return out;
  }

  /** Three times the forward FLOPs ({@link DecodeModel#flopsPerToken} at T keys, the whole T x T computed). */
  @Override
  public double flops() {
    return 3 * new DecodeModel(config).flopsPerToken(net, config.length()) * realTokens;
  }

  @Override
  public double tokens() {
    return realTokens;
  }

  @Override
  public String shape() {
    return String.format("default preset: B=%d x T=%d, d=%d, L=%d, nh=%d, h=%d, V=%d", config.batch(),
        config.length(), config.width(), config.blocks(), config.heads(), config.hidden(), ByteWindows.VOCAB);
  }
}
