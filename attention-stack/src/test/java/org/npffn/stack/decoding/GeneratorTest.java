package org.npffn.stack.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.npffn.stack.TestNets;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.embedding.TokenPositionEmbedding;

/** Generator against recomputation with the full forward, and its settings one by one. */
class GeneratorTest {
  private static final int VOCAB = 13;
  private static final int MAX_LENGTH = 24;

  @BeforeAll
  static void doubles() {
    TestNets.useDoublePrecision();
  }

  /** A two-block stack moved off its initialisation, so that its distributions are far from uniform. */
  private static ComputationGraph net() {
    ComputationGraph net = new ComputationGraph(new TransformerStack().vocabSize(VOCAB).width(8).heads(2).blocks(2)
        .maxLength(MAX_LENGTH).base(TestNets.gradientCheckBase(3)).build());
    net.init();
    net.params().addi(TestNets.gaussianLike(net.params(), 5).muli(0.8));
    return net;
  }

  private static int argmaxAtLast(ComputationGraph net, List<Integer> ids) {
    INDArray in = Nd4j.create(DataType.DOUBLE, 1, ids.size());
    for (int i = 0; i < ids.size(); i++) {
      in.putScalar(0, i, ids.get(i));
    }
    INDArray p = net.outputSingle(in); //                                                 [1, T, V]
    return Nd4j.argMax(p.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
        org.nd4j.linalg.indexing.NDArrayIndex.point(ids.size() - 1)), 0).getInt(0);
  }

  @Test
  void greedyTokensAreTheFullForwardsArgmaxOneByOne() {
    ComputationGraph net = net();
    int[] prompt = {1, 5, 2};
    int[] out = Generator.of(net).generate(prompt, Sampling.greedy().withMaxNewTokens(12));
    assertEquals(12, out.length);
    List<Integer> seq = new ArrayList<>(Arrays.stream(prompt).boxed().toList());
    for (int token : out) {
      assertEquals(argmaxAtLast(net, seq), token, "after " + seq);
      seq.add(token);
    }
  }

  @Test
  void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
    ComputationGraph net = net();
    Generator g = Generator.of(net);
    Sampling s = Sampling.defaults().withMaxNewTokens(16).withSeed(7);
    int[] a = g.generate(new int[] {3, 4}, s);
    assertArrayEquals(a, g.generate(new int[] {3, 4}, s));
    assertFalse(Arrays.equals(a, g.generate(new int[] {3, 4}, s.withSeed(8))), "seed 7 and 8 gave the same text");
  }

  @Test
  void promptsOfDifferentLengthsInOneBatchGetWhatEachGetsAlone() {
    ComputationGraph net = net();
    Generator g = Generator.of(net);
    List<int[]> prompts = List.of(new int[] {1}, new int[] {2, 3, 4, 5, 6}, new int[] {7, 8, 9});
    Sampling greedy = Sampling.greedy().withMaxNewTokens(10);
    List<int[]> batch = g.generate(prompts, greedy, null);
    for (int s = 0; s < prompts.size(); s++) {
      assertArrayEquals(g.generate(prompts.get(s), greedy), batch.get(s), "prompt " + s);
    }
    Sampling sampled = Sampling.defaults().withMaxNewTokens(10).withSeed(3);
    assertArrayEquals(g.generate(prompts.get(0), sampled), g.generate(prompts, sampled, null).get(0),
        "sequence 0 of a sampled batch draws as it does alone");
  }

  @Test
  void tokensStreamInOrderAndAStopSequenceEndsASequence() {
    ComputationGraph net = net();
    Generator g = Generator.of(net);
    int[] free = g.generate(new int[] {2, 2}, Sampling.greedy().withMaxNewTokens(8));
    int[] stop = {free[2], free[3]};
    List<Integer> streamed = new ArrayList<>();
    int[] stopped = g.generate(List.of(new int[] {2, 2}), Sampling.greedy().withMaxNewTokens(8)
        .withStopSequences(List.of(stop)), (s, t) -> streamed.add(t)).get(0);
    int first = 0;
    while (!(free[first] == stop[0] && free[first + 1] == stop[1])) {
      first++;
    }
    assertArrayEquals(Arrays.copyOf(free, first + 2), stopped, "ends with its stop sequence, included");
    assertEquals(Arrays.stream(stopped).boxed().toList(), streamed);
  }

  @Test
  void topKOfOneAndATinyTopPAreGreedy() {
    ComputationGraph net = net();
    Generator g = Generator.of(net);
    int[] greedy = g.generate(new int[] {4}, Sampling.greedy().withMaxNewTokens(10));
    assertArrayEquals(greedy, g.generate(new int[] {4}, Sampling.defaults().withTopK(1).withMaxNewTokens(10)));
    assertArrayEquals(greedy, g.generate(new int[] {4}, Sampling.defaults().withTopP(1e-9).withMaxNewTokens(10)));
  }

  @Test
  void pastMaxLengthItRefusesNamingTheLimitUnlessASlidingWindowIsAsked() {
    ComputationGraph net = net();
    Generator g = Generator.of(net);
    int[] prompt = new int[20];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(prompt, Sampling.greedy().withMaxNewTokens(10)));
    assertTrue(e.getMessage().contains("maxLength is 24"), e.getMessage());
    int[] slid = g.generate(prompt, Sampling.greedy().withMaxNewTokens(40).withSlidingWindow(true));
    assertEquals(40, slid.length);
    // after the window slid, the next token is the full forward's argmax over the last half-window
    List<Integer> all = new ArrayList<>(Arrays.stream(prompt).boxed().toList());
    Arrays.stream(slid).forEach(all::add);
    int at = 25; // the first token picked after the first slide: history of 25 > 24 positions
    List<Integer> window = all.subList(at - MAX_LENGTH / 2, at);
    assertEquals(argmaxAtLast(net, window), (int) all.get(at));
  }

  @Test
  void badPromptsAreRefusedNamingWhatIsWrong() {
    Generator g = Generator.of(net());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> g.generate(new int[0], Sampling.greedy()))
        .getMessage().contains("prompt 0 is empty"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> g.generate(new int[] {1, 13}, Sampling.greedy()))
        .getMessage().contains("id 13 at position 1, outside the model's vocabulary [0, 13)"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Sampling.greedy().withTopP(0))
        .getMessage().contains("topP = 0.0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Sampling.greedy().withTemperature(-1))
        .getMessage().contains("temperature = -1.0"));
  }

  @Test
  void aNetworkWithALayerThatCannotStepIsRefusedByName() {
    ComputationGraphConfiguration conf = TestNets.gradientCheckBase(1).graphBuilder().addInputs("ids")
        .addLayer("embed", new TokenPositionEmbedding.Builder().vocabSize(VOCAB).width(4).maxLength(8)
            .dataFormat(RNNFormat.NWC).build(), "ids")
        .addLayer("dense", new DenseLayer.Builder().nOut(4).build(), "embed")
        .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
            .nOut(VOCAB).dataFormat(RNNFormat.NWC).build(), "dense")
        .setOutputs("out").setInputTypes(InputType.recurrent(1, 8, RNNFormat.NCW)).build();
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IncrementalDecoder.of(net));
    assertTrue(e.getMessage().contains("dense=DenseLayer"), e.getMessage());
  }
}
