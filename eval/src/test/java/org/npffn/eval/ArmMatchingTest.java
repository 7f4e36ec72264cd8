package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.npffn.eval.compare.Arm;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;

/** Every arm builds at every preset, matched as Arm documents: FLOPs to dense, parameters to the MoE. */
class ArmMatchingTest {
  private static FfnCost cost(Arm arm, TrainConfig c) {
    ComputationGraph net = LanguageModelTrainer.network(c, arm.factory(c, FfnSettings.defaults()));
    return ((FfnSlotConf) net.getLayer(TransformerStack.ffnName(0)).conf().getLayer()).cost();
  }

  @ParameterizedTest
  @ValueSource(strings = {"smoke", "default", "full"})
  void armsAreMatchedAsDocumented(String preset) {
    TrainConfig c = TrainConfig.preset(preset);
    FfnCost dense = cost(Arm.DENSE, c);
    FfnCost moe = cost(Arm.MOE_AUX, c);
    // k · d_e = h: the experts' active FLOPs equal the dense FFN's; the router adds d·E MACs per token
    assertEquals(dense.flopsPerToken(), moe.flopsPerToken(), 0.05 * dense.flopsPerToken());
    assertEquals(moe.totalParams(), cost(Arm.MOE_LOSSFREE, c).totalParams(), 8 * 2, "bias state aside, the same");
    FfnCost relu = cost(Arm.MOE_RELU, c);
    assertEquals(moe.totalParams() + 2, relu.totalParams(),
        "λ's exponent and the logit shift (two state scalars per layer) aside, the same");
    assertEquals(moe.flopsPerToken(), relu.flopsPerToken(), "k of E experts at its target sparsity");
    assertEquals(moe.totalParams(), cost(Arm.DENSE_WIDE, c).totalParams(), 0.05 * moe.totalParams());
    assertEquals(moe.totalParams(), cost(Arm.NP_WIDE, c).totalParams(), 0.02 * moe.totalParams());
    FfnCost np = cost(Arm.NP, c);
    assertEquals(dense.flopsPerToken() * 1.2, np.flopsPerToken(), 0.15 * dense.flopsPerToken(),
        "the NP arm's context path adds about 20% FLOPs");
  }
}
