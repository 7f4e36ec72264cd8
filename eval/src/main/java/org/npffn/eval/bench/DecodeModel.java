package org.npffn.eval.bench;

import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.eval.compare.Arm;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.stack.InitScheme;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * The byte-level language model the decoding cases time: a whole TransformerStack network of one arm (dense,
 * moe = the moe-aux arm, np), built as the harness builds it ({@link LanguageModelTrainer#network}) from a
 * {@link TrainConfig} whose length is the position embeddings' maxLength.
 *
 * <p>Weights start fan-in scaled (torch.nn.Linear's init) rather than N(0, 0.02): the activations are then of
 * order one and the next-byte distribution depends clearly on the context, so a decoding step that reads a wrong
 * cache gives visibly wrong log-probabilities against its reference. The timings do not depend on the values.
 */
record DecodeModel(TrainConfig config) {
  private static final long SEED = 7;

  /**
   * The default preset's model (d = 128, L = 2, nh = 4, h = 512) with position embeddings for 1024 tokens: the
   * preset trains on windows of 128, shorter than the 512-token context the decode cases need.
   */
  static DecodeModel benchDefault() {
    TrainConfig p = TrainConfig.preset("default");
    return of(p.width(), p.blocks(), p.heads(), p.hidden(), 1024);
  }

  /** A model of these shapes; {@code maxLength} is the longest sequence it takes. */
  static DecodeModel of(int width, int blocks, int heads, int hidden, int maxLength) {
    // only the stack's shapes, the seed and the init are read; the training knobs are placeholders that pass
    // TrainConfig's checks
    return new DecodeModel(new TrainConfig(width, blocks, heads, hidden, maxLength, 1, 1, 1e-3, 0, 0, 1, SEED, 1, 1,
        InitScheme.FAN_IN.label()));
  }

  /** The arm a kind names: dense, moe (the moe-aux arm, k = 2 of 8 experts, d_e = h/2) or np. */
  static Arm arm(String kind) {
    return switch (kind) {
      case "dense" -> Arm.DENSE;
      case "moe" -> Arm.MOE_AUX;
      case "np" -> Arm.NP;
      default -> throw new IllegalArgumentException("kind = " + kind + " is not one of dense, moe, np");
    };
  }

  /** A fresh float32 network of {@code kind}; the same weights on every call (the seed is fixed). */
  ComputationGraph network(String kind) {
    return LanguageModelTrainer.network(config, arm(kind).factory(config, FfnSettings.defaults()));
  }

  /** The same network in double precision, its parameters copied: the references run on it. */
  static ComputationGraph inDouble(ComputationGraph net) {
    return net.convertDataType(DataType.DOUBLE);
  }

  /** {@code n} sequences of {@code length} random byte ids, [B, T], drawn from {@code seed}. */
  static INDArray randomIds(int n, int length, long seed) {
    Random rng = new Random(seed);
    INDArray ids = Nd4j.create(DataType.FLOAT, n, length);
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < length; t++) {
        ids.putScalar(i, t, rng.nextInt(ByteWindows.VOCAB));
      }
    }
    return ids;
  }

  /** The log-probabilities, in double, at position {@code t} of the network's output [B, T, V]: [B, V]. */
  static INDArray logProbabilitiesAt(INDArray out, long t) {
    return Transforms.log(out.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all())
        .castTo(DataType.DOUBLE), true);
  }

  /**
   * Forward FLOPs of one token through {@code net} attending to {@code keys} positions: per block the attention
   * projections 2·4·d², the scores and weighted sum 2·2·keys·d and the FFN's own count; then the output layer
   * 2·d·V.
   */
  double flopsPerToken(ComputationGraph net, long keys) {
    long d = config.width();
    double total = 2.0 * d * ByteWindows.VOCAB;
    for (int block = 0; block < config.blocks(); block++) {
      FfnSlotConf ffn = (FfnSlotConf) net.getLayer(TransformerStack.ffnName(block)).conf().getLayer();
      total += 8.0 * d * d + 4.0 * keys * d + ffn.cost().flopsPerToken();
    }
    return total;
  }

  /** The shapes, for the rows: "d=128, L=2, nh=4, h=512, maxLength=1024". */
  String describe() {
    return String.format("d=%d, L=%d, nh=%d, h=%d, maxLength=%d", config.width(), config.blocks(), config.heads(),
        config.hidden(), config.length());
  }
}
