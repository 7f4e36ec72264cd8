package org.npffn.stack.contract;

import static org.npffn.stack.contract.FfnContract.CLASSES;
import static org.npffn.stack.contract.FfnContract.LAYER;
import static org.npffn.stack.contract.FfnContract.VOCAB;
import static org.npffn.stack.contract.FfnContract.WIDTH;

import java.util.Arrays;
import java.util.Random;
import java.util.function.BiPredicate;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.norm.NormKind;
import org.npffn.stack.norm.SequenceNorm;

/** The networks and data of {@link FfnContract}'s checks. Everything is double precision. */
final class ContractNets {
  /** Name of the norm in front of the FFN in the gradient check: its gradients carry the FFN's dL/dx. */
  static final String PRE = "pre";
  static final String OUT = "out";

  private ContractNets() {}

  /** A fresh config of the contract's kind in format {@code f}. */
  static FfnSlotConf conf(FfnContract contract, RNNFormat f) {
    FfnSlotConf conf = contract.tinyFfn();
    conf.setDataFormat(f);
    return conf;
  }

  /**
   * input -> FFN ("layer") -> per-step softmax ("out"), parameters moved off their initialisation;
   * a NoOp updater, or Adam(1e-2) when {@code trainable}.
   */
  static ComputationGraph oneLayer(FfnContract contract, RNNFormat f, long t, long seed, boolean trainable) {
    NeuralNetConfiguration.Builder base = TestNets.gradientCheckBase(seed);
    if (trainable) {
      base.updater(new Adam(1e-2));
    }
    ComputationGraph net = TestNets.singleLayer(base, conf(contract, f), WIDTH, t, CLASSES);
    net.initGradientsView(); // the shape check calls the layer's backpropGradient directly
    contract.moveOffInit(net.getLayer(LAYER), new Random(seed));
    return net;
  }

  /** input -> LayerNorm ("pre") -> FFN ("layer") -> per-step softmax ("out"), NoOp updater, for gradient checks. */
  static ComputationGraph behindANorm(FfnContract contract, RNNFormat f, long t, long seed) {
    ComputationGraphConfiguration conf = TestNets.gradientCheckBase(seed).graphBuilder().addInputs("in")
        .addLayer(PRE, new SequenceNorm.Builder().kind(NormKind.LAYER).dataFormat(f).build(), "in")
        .addLayer(LAYER, conf(contract, f), PRE)
        .addLayer(OUT, new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .activation(Activation.SOFTMAX).nOut(CLASSES).dataFormat(f).build(), LAYER)
        .setOutputs(OUT).setInputTypes(InputType.recurrent(WIDTH, t, f)).build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    contract.moveOffInit(net.getLayer(LAYER), new Random(seed));
    return net;
  }

  /** The two-block TransformerStack with this kind in every FFN slot, FFN parameters moved off their init. */
  static ComputationGraph stack(FfnContract contract, int t, long seed) {
    ComputationGraph net = new ComputationGraph(stackConf(contract, t, seed));
    net.init();
    for (int i = 0; i < 2; i++) {
      contract.moveOffInit(net.getLayer(TransformerStack.ffnName(i)), new Random(seed + i));
    }
    return net;
  }

  static ComputationGraphConfiguration stackConf(FfnContract contract, int t, long seed) {
    return new TransformerStack().vocabSize(VOCAB).width(WIDTH).heads(2).blocks(2).maxLength(t)
        .ffn((block, d) -> contract.tinyFfn())
        .base(TestNets.gradientCheckBase(seed).updater(new Adam(1e-2))).build();
  }

  /** The FFN's activations for input {@code x} (DL4J mask [B, T] or null), as the graph computes them. */
  static INDArray layerOutput(ComputationGraph net, INDArray x, INDArray mask, boolean training) {
    net.setLayerMaskArrays(mask == null ? null : new INDArray[] {mask}, null);
    try {
      return net.feedForward(new INDArray[] {x}, training, false).get(LAYER).dup();
    } finally {
      net.clearLayerMaskArrays();
    }
  }

  /** The feature vector of sequence b at position t: [C] of [B, C, T] (NCW) or [B, T, C] (NWC). */
  static INDArray at(INDArray seq, RNNFormat f, long b, long t) {
    return f == RNNFormat.NCW ? seq.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(t))
        : seq.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all());
  }

  /** A copy of {@code x} whose positions (b, t) that {@code which} selects hold new Gaussian values (σ = 3). */
  static INDArray replaced(INDArray x, RNNFormat f, BiPredicate<Long, Long> which, Random rng) {
    INDArray y = x.dup();
    long b = x.size(0);
    long t = f == RNNFormat.NCW ? x.size(2) : x.size(1);
    for (long i = 0; i < b; i++) {
      for (long j = 0; j < t; j++) {
        if (which.test(i, j)) {
          INDArray v = at(y, f, i, j);
          v.assign(TestNets.gaussianLike(v, rng.nextLong()).muli(3));
        }
      }
    }
    return y;
  }

  /** A copy of ids [B, T] with every id at a position after {@code cut} replaced by a different id. */
  static INDArray idsChangedAfter(INDArray ids, int cut, Random rng) {
    INDArray later = ids.dup();
    for (long b = 0; b < ids.size(0); b++) {
      for (long t = cut + 1; t < ids.size(1); t++) {
        later.putScalar(b, t, (ids.getDouble(b, t) + 1 + rng.nextInt(VOCAB - 1)) % VOCAB);
      }
    }
    return later;
  }

  /** Random right-padded lengths in [1, T]; sequence 1 (of B ≥ 2) is always padded. */
  static int[] paddedLengths(Random rng, int batch, int t) {
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = 1 + rng.nextInt(b == 1 ? t - 1 : t);
    }
    return lengths;
  }

  static double maxAbs(INDArray a) {
    return a.amaxNumber().doubleValue();
  }

  static boolean allFinite(INDArray a) {
    return Arrays.stream(a.dup('c').data().asDouble()).allMatch(Double::isFinite);
  }
}
