package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnActivation;
import org.npffn.stack.layers.SequenceLayerConf;
import org.npffn.stack.norm.NormKind;
import org.npffn.stack.norm.SequenceNorm;

/** Numerical gradient checks, double precision, of each sequence layer on its own, in both data formats. */
class LayerGradientCheckTest {
  private static final int B = 3;
  private static final int C = 8;
  private static final int T = 5;
  private static final int CLASSES = 4;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  private static void check(SequenceLayerConf layer, RNNFormat f, boolean masked, long seed) {
    Random rng = new Random(seed);
    ComputationGraph net = TestNets.singleLayer(TestNets.gradientCheckBase(seed), layer, C, T, CLASSES);
    INDArray x = TestNets.randomSequence(rng, f, B, C, T);
    INDArray y = TestNets.randomLabels(rng, f, B, CLASSES, T);
    INDArray mask = masked ? TestNets.rightPaddedMask(T, T, 3, 1) : null;
    assertTrue(TestNets.gradientsMatch(net, x, y, mask, 0), layer.describe() + " " + f + " masked=" + masked);
  }

  @ParameterizedTest(name = "attention {0} masked={1} causal={2}")
  @CsvSource({"NCW,false,true", "NWC,false,true", "NCW,true,true", "NWC,true,true", "NWC,true,false"})
  void attention(RNNFormat f, boolean masked, boolean causal) {
    check(new CausalSelfAttention.Builder().nHeads(2).causal(causal).dataFormat(f).build(), f, masked, 11);
  }

  @ParameterizedTest(name = "norm {0} {1}")
  @CsvSource({"LAYER,NCW", "LAYER,NWC", "RMS,NCW", "RMS,NWC"})
  void norm(NormKind kind, RNNFormat f) {
    check(new SequenceNorm.Builder().kind(kind).dataFormat(f).build(), f, false, 12);
  }

  @ParameterizedTest(name = "dense FFN {0} {1} masked={2}")
  @CsvSource({"GELU,NCW,false", "GELU,NWC,true", "SWIGLU,NCW,true", "SWIGLU,NWC,false"})
  void denseFfn(FfnActivation act, RNNFormat f, boolean masked) {
    check(new DenseFfn.Builder().hidden(12).activation(act).dataFormat(f).build(), f, masked, 13);
  }
}
