package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.eval.compare.Arm;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.moe.MoeFfn;
import org.npffn.np.NpFfn;
import org.npffn.stack.InitScheme;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;

/** --init: what each scheme does to each parameter of every arm's network, against the N(0, 0.02) draw. */
class InitSchemeTest {
  private static final TrainConfig SMOKE = TrainConfig.preset("smoke");

  private static TrainConfig with(String init) {
    TrainConfig c = SMOKE;
    return new TrainConfig(c.width(), 2, c.heads(), c.hidden(), c.length(), c.batch(), c.steps(), c.learningRate(),
        c.warmup(), c.weightDecay(), c.clip(), c.seed(), c.maxCorpusBytes(), c.evalTokens(), init);
  }

  private static ComputationGraph net(Arm arm, String init) {
    TrainConfig c = with(init);
    return LanguageModelTrainer.network(c, arm.factory(c, FfnSettings.defaults()));
  }

  private static boolean residualOutput(String layer, String key) {
    return key.equals(CausalSelfAttention.W_OUT) || key.equals(DenseFfn.W2) || key.equals(NpFfn.W_DOWN)
        || key.endsWith("." + MoeFfn.W2) || key.equals(MoeFfn.SHARED_W2);
  }

  @ParameterizedTest
  @EnumSource(value = Arm.class, names = {"DENSE", "MOE_AUX", "MOE_LOSSFREE", "NP"})
  void gpt2ScalesExactlyTheResidualOutputProjections(Arm arm) {
    ComputationGraph normal = net(arm, "normal-0.02");
    ComputationGraph gpt2 = net(arm, "gpt2");
    double scale = 1 / Math.sqrt(2 * 2);
    int scaled = 0;
    for (Layer layer : normal.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        INDArray expected = p.getValue();
        INDArray got = gpt2.getLayer(name).getParam(p.getKey());
        if (residualOutput(name, p.getKey())) {
          expected = expected.mul(scale);
          scaled++;
        }
        assertEquals(0, expected.sub(got).amaxNumber().doubleValue(), 1e-7, name + "." + p.getKey());
      }
    }
    int ffnOutputs = arm == Arm.DENSE || arm == Arm.NP ? 1 : FfnSettings.defaults().experts();
    assertEquals(2 * (1 + ffnOutputs), scaled, "attention's Wo and the FFN's last weights in both blocks");
  }

  @ParameterizedTest
  @EnumSource(value = Arm.class, names = {"DENSE", "MOE_AUX", "NP"})
  void fanInDrawsEveryLinearMapUniformlyWithinItsBoundAndLeavesTheRest(Arm arm) {
    ComputationGraph normal = net(arm, "normal-0.02");
    ComputationGraph fanIn = net(arm, "fan-in");
    assertEquals(0, net(arm, "fan-in").params().sub(fanIn.params()).amaxNumber().doubleValue(), "reproducible");
    Set<String> untouched = Set.of(TokenPositionEmbedding.TOKENS, TokenPositionEmbedding.POSITIONS);
    for (Layer layer : normal.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        INDArray before = p.getValue();
        INDArray after = fanIn.getLayer(name).getParam(p.getKey());
        boolean drawn = before.rank() == 2 && before.size(0) > 1 && before.amaxNumber().doubleValue() > 0
            && !untouched.contains(p.getKey()) && !(layer.conf().getLayer() instanceof TokenPositionEmbedding);
        if (!drawn) {
          assertEquals(0, before.sub(after).amaxNumber().doubleValue(), name + "." + p.getKey() + " kept");
          continue;
        }
        double bound = 1 / Math.sqrt(before.size(0));
        assertTrue(after.amaxNumber().doubleValue() <= bound, name + "." + p.getKey() + " within ±" + bound);
        // U(-a, a) has standard deviation a/sqrt(3); the smallest matrices here hold 256 values
        double std = after.stdNumber().doubleValue();
        assertEquals(bound / Math.sqrt(3), std, 0.25 * bound / Math.sqrt(3), name + "." + p.getKey() + " std");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(InitScheme.class)
  void labelsRoundTripAndUnknownOnesAreRefused(InitScheme s) {
    assertEquals(s, InitScheme.of(s.label()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InitScheme.of("xavier"));
    assertTrue(e.getMessage().contains("init = xavier"), e.getMessage());
  }
}
