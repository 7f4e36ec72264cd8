package org.npffn.eval.compare;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.train.HeldOutLoss;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.np.NpFfnLayer;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.ffn.UsageAccumulator;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;

/** Trains one arm with one seed and measures it: held-out loss, cost, balance on the test set, NP top-k. */
public final class ArmRunner {
  private final LanguageModelTrainer trainer;

  public ArmRunner(LanguageModelTrainer trainer) {
    this.trainer = trainer;
  }

  public ArmResult run(Arm arm, TrainConfig c, double biasRate, ByteWindows train, List<TokenBatch> validation,
      List<TokenBatch> test) {
    ComputationGraph net = LanguageModelTrainer.network(c, arm.factory(c, biasRate));
    long start = System.nanoTime();
    double tokensPerSecond = trainer.fit(net, c, train, arm.label() + "/seed " + c.seed());
    double seconds = (System.nanoTime() - start) / 1e9;

    HeldOutLoss val = HeldOutLoss.of(net, validation);
    Map<String, UsageAccumulator> acc = new LinkedHashMap<>();
    HeldOutLoss tst = HeldOutLoss.of(net, test, () -> {
      for (int b = 0; b < c.blocks(); b++) {
        Layer layer = net.getLayer(TransformerStack.ffnName(b));
        if (layer instanceof UsageReporting r) {
          r.lastUsage().ifPresent(s -> acc.computeIfAbsent(s.layer(), UsageAccumulator::new).add(s));
        }
      }
    });
    Map<String, ArmResult.LayerUsage> usage = new LinkedHashMap<>();
    acc.forEach((name, a) -> usage.put(name, layerUsage(a)));

    Map<Integer, Double> topK = new LinkedHashMap<>();
    if (arm == Arm.NP) {
      for (int k : new int[] {1, 2, 4, Arm.EXPERTS}) {
        setTopK(net, c.blocks(), k);
        topK.put(k, HeldOutLoss.of(net, test).perplexity());
      }
      setTopK(net, c.blocks(), 0);
    }

    long total = net.numParams();
    long inactive = 0;
    long flops = 0;
    for (int b = 0; b < c.blocks(); b++) {
      FfnCost cost = ((FfnSlotConf) net.getLayer(TransformerStack.ffnName(b)).conf().getLayer()).cost();
      inactive += cost.totalParams() - cost.activeParamsPerToken();
      flops += cost.flopsPerToken();
    }
    return new ArmResult(arm.label(), c.seed(), val.nats(), tst.nats(), tst.tokens(), total, total - inactive,
        flops, tokensPerSecond, seconds, usage, topK);
  }

  private static void setTopK(ComputationGraph net, int blocks, int k) {
    for (int b = 0; b < blocks; b++) {
      if (net.getLayer(TransformerStack.ffnName(b)) instanceof NpFfnLayer np) {
        np.setInferenceTopK(k, true);
      }
    }
  }

  private static ArmResult.LayerUsage layerUsage(UsageAccumulator a) {
    UsageSnapshot s = a.snapshot();
    return new ArmResult.LayerUsage(s.tokens(), s.load(), s.loadCv(), s.maxVio(), a.batchMaxVio().mean(),
        s.normalisedLoadEntropy(), s.busiestShare(0.1), s.droppedFraction(), s.effectiveUnits(), s.scalars());
  }
}
