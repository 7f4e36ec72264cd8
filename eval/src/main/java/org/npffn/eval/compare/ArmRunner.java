package org.npffn.eval.compare;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.npffn.eval.analysis.DocumentLanguages;
import org.npffn.eval.analysis.LanguageRouting;
import org.npffn.eval.analysis.UnitSimilarity;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.LayerResult.TrainingUsage;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.results.RunResult.Loss;
import org.npffn.eval.results.RunResult.TopK;
import org.npffn.eval.train.CheckpointException;
import org.npffn.eval.train.CheckpointStore;
import org.npffn.eval.train.HeldOutLoss;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.TrainingLoop;
import org.npffn.eval.train.TrainingState;
import org.npffn.moe.MoeFfn;
import org.npffn.np.NpFfn;
import org.npffn.np.NpInference;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.FfnCost;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.ffn.UsageAccumulator;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.NonFiniteValueException;

/**
 * Trains one arm with one seed (from its checkpoint, when it has one) and measures it: held-out loss, loss by
 * position, cost, balance over training and on the test set, the NP's inference top-k.
 */
public final class ArmRunner {
  /** Validation batches evaluated for each point of the validation curve. */
  private static final int PROBE_BATCHES = 4;

  private final TrainingLoop loop;
  private final TrainingLoop.StepHook hook;

  /**
   * @param hook run after every training step (tests use it to simulate a crash or a divergence)
   */
  public ArmRunner(PrintStream log, TrainingLoop.Intervals every, TrainingLoop.StepHook hook) {
    this.loop = new TrainingLoop(log, every);
    this.hook = hook;
  }

  /** Test batches the expert similarity is measured on. */
  private static final int SIMILARITY_BATCHES = 4;

  /**
   * The data every arm sees.
   *
   * @param testPairs test batches whose rows s and s + B/2 come from different documents (context reliance)
   * @param testDocuments the test documents, for the language statistics
   * @param testLanguages their detected languages
   * @param tokensPerLanguage test tokens evaluated per language for the language statistics
   */
  public record Data(ByteWindows train, List<TokenBatch> validation, List<TokenBatch> test,
      List<TokenBatch> testPairs, List<byte[]> testDocuments, DocumentLanguages testLanguages, long tokensPerLanguage) {}

  /**
   * Runs {@code arm} with c.seed().
   *
   * @param store the run's checkpoints (resumed from when present), or null for none
   */
  public RunResult run(Arm arm, TrainConfig c, FfnSettings s, Data data, CheckpointStore store) {
    ComputationGraph net;
    TrainingState from;
    Optional<CheckpointStore.Restored> restored = store == null ? Optional.empty() : store.restore();
    if (restored.isPresent()) {
      net = restored.get().net();
      from = restored.get().state();
    } else {
      net = LanguageModelTrainer.network(c, arm.factory(c, s));
      from = TrainingState.start();
    }
    List<String> ffnLayers = new ArrayList<>();
    for (int b = 0; b < c.blocks(); b++) {
      ffnLayers.add(TransformerStack.ffnName(b));
    }
    Cost cost = Cost.of(net, ffnLayers);
    String label = arm.label() + "/seed " + c.seed();
    try {
      return trainAndMeasure(arm, c, s, data, store, net, from, ffnLayers, cost);
    } catch (UncheckedIOException | CheckpointException e) {
      throw e; // the disk or a checkpoint, not this arm: every later run would meet it too
    } catch (NonFiniteValueException e) {
      // the weights are finite (the loop checks every step) but a held-out forward overflowed in a layer
      return unfinished(arm, c, cost, RunResult.DIVERGED, label + " diverged after training: " + e.getMessage(),
          c.steps());
    } catch (RuntimeException e) {
      // one arm's error must not take the other arms down: it is recorded, and compare exits non-zero
      return unfinished(arm, c, cost, RunResult.FAILED, label + " failed: " + e, null);
    }
  }

  private static RunResult unfinished(Arm arm, TrainConfig c, Cost cost, String status, String why, Integer at) {
    return new RunResult(arm.label(), c.seed(), status, why, at, at == null ? 0 : at, null, cost.total, cost.active,
        cost.flops, 0, 0, 0, null, null, List.of(), List.of(), new double[0], List.of(), null, List.of());
  }

  private RunResult trainAndMeasure(Arm arm, TrainConfig c, FfnSettings s, Data data, CheckpointStore store,
      ComputationGraph net, TrainingState from, List<String> ffnLayers, Cost cost) {
    String label = arm.label() + "/seed " + c.seed();
    List<TokenBatch> probe = data.validation().subList(0, Math.min(PROBE_BATCHES, data.validation().size()));
    TrainingLoop.Outcome o = loop.run(net, c, data.train(), label, from, store, probe, ffnLayers, hook);
    TrainingState st = o.state();
    String checkpoint = o.checkpoint() == null ? null : o.checkpoint().toString();
    if (o.divergence() != null) {
      return new RunResult(arm.label(), c.seed(), RunResult.DIVERGED, label + " diverged: " + o.divergence(),
          o.divergedAt(), st.step(), checkpoint, cost.total,
          cost.active, cost.flops, o.tokensPerSecond(), st.seconds(), o.peakMemoryBytes(), null, null, st.curve(),
          st.validation(), new double[0], List.of(), null, layers(net, ffnLayers, st, Map.of()));
    }

    HeldOutLoss val = HeldOutLoss.of(net, data.validation());
    Map<String, UsageAccumulator> acc = new LinkedHashMap<>();
    HeldOutLoss tst = HeldOutLoss.of(net, data.test(), () -> {
      for (String name : ffnLayers) {
        if (net.getLayer(name) instanceof UsageReporting r) {
          r.lastUsage().ifPresent(u -> acc.computeIfAbsent(name, UsageAccumulator::new).add(u));
        }
      }
    });
    Map<String, Double> similarity = UnitSimilarity.measure(net, ffnLayers,
        data.test().subList(0, Math.min(SIMILARITY_BATCHES, data.test().size())));
    Map<String, LanguageRouting.LayerLanguages> languages = LanguageRouting.measure(net, ffnLayers,
        data.testDocuments(), data.testLanguages(), c.length(), c.batch(), data.tokensPerLanguage());
    List<TopK> topK = arm.isNp() ? topK(net, s.experts(), data.test()) : List.of();
    Double shuffledContext = arm.isNp() ? otherDocumentContextIncrease(net, data.testPairs()) : null;
    List<LayerResult> layers = new ArrayList<>();
    for (LayerResult l : layers(net, ffnLayers, st, acc)) {
      LanguageRouting.LayerLanguages lang = languages.get(l.layer());
      layers.add(new LayerResult(l.layer(), l.block(), l.kind(), l.units(), l.test(), l.training(),
          similarity.get(l.layer()), lang == null ? Map.of() : lang.usage(),
          lang == null ? null : lang.mutualInformationBits()));
    }
    return new RunResult(arm.label(), c.seed(), RunResult.OK, null, null, st.step(), checkpoint, cost.total, cost.active,
        cost.flops, o.tokensPerSecond(), st.seconds(), o.peakMemoryBytes(), Loss.ofNats(val.nats(), val.tokens()),
        Loss.ofNats(tst.nats(), tst.tokens()), st.curve(), st.validation(), tst.byPosition(), topK, shuffledContext,
        layers);
  }

  /**
   * Test perplexity with the NP layers keeping only their top-k groups: k = 1, 2, 4 with the kept weights
   * renormalised and not, then k = M (the dense path, where both are the same).
   */
  private static List<TopK> topK(ComputationGraph net, int groups, List<TokenBatch> test) {
    List<TopK> out = new ArrayList<>();
    for (boolean renormalise : new boolean[] {true, false}) {
      for (int k : new int[] {1, 2, 4}) {
        if (k < groups) {
          NpInference.setTopK(net, k, renormalise);
          out.add(new TopK(k, renormalise, HeldOutLoss.of(net, test).perplexity()));
        }
      }
    }
    NpInference.setTopK(net, groups, true);
    out.add(new TopK(groups, true, HeldOutLoss.of(net, test).perplexity()));
    NpInference.setTopK(net, 0, true);
    return out;
  }

  /**
   * How much the test loss rises when every NP layer is given the context summary r of a sequence from another
   * document (docs/eval.md, context reliance): the loss on {@code pairs} with each row's r taken from its
   * partner row, minus the loss on the same windows with their own r; null when the test text is one document.
   */
  private static Double otherDocumentContextIncrease(ComputationGraph net, List<TokenBatch> pairs) {
    if (pairs.isEmpty()) {
      return null;
    }
    double own = HeldOutLoss.of(net, pairs).nats();
    double other;
    try {
      other = HeldOutLoss.of(net, pairs,
          batch -> NpInference.setContextDonors(net, ByteWindows.crossDocumentDonors((int) batch.ids().size(0))),
          () -> { }).nats();
    } finally {
      NpInference.setContextDonors(net, null);
    }
    return other - own;
  }

  private static List<LayerResult> layers(ComputationGraph net, List<String> ffnLayers, TrainingState st,
      Map<String, UsageAccumulator> test) {
    List<LayerResult> out = new ArrayList<>();
    for (int b = 0; b < ffnLayers.size(); b++) {
      String name = ffnLayers.get(b);
      Layer layer = net.getLayer(name);
      Object conf = layer.conf().getLayer();
      String kind = conf instanceof MoeFfn ? "moe" : conf instanceof NpFfn ? "np" : "dense";
      int units = conf instanceof MoeFfn m ? m.getNExperts() : conf instanceof NpFfn n ? n.getGroups() : 1;
      UsageAccumulator a = test.get(name);
      List<TrainingUsage> training = st.usage().getOrDefault(name, List.of());
      out.add(new LayerResult(name, b, kind, units, a == null ? null : usage(a), training, null, Map.of(), null));
    }
    return out;
  }

  private static LayerResult.Usage usage(UsageAccumulator a) {
    UsageSnapshot s = a.snapshot();
    return new LayerResult.Usage(s.tokens(), s.load(), s.fractions(), s.meanGate(), s.loadCv(), s.maxVio(),
        a.batchMaxVio().mean(), s.normalisedLoadEntropy(), s.busiestShare(0.1), s.droppedFraction(),
        s.effectiveUnits(), s.scalars());
  }

  /** Parameter and FLOP accounting of a network: active = total minus the FFNs' inactive parameters. */
  private record Cost(long total, long active, long flops) {
    static Cost of(ComputationGraph net, List<String> ffnLayers) {
      long total = net.numParams();
      long inactive = 0;
      long flops = 0;
      for (String name : ffnLayers) {
        FfnCost cost = ((FfnSlotConf) net.getLayer(name).conf().getLayer()).cost();
        inactive += cost.totalParams() - cost.activeParamsPerToken();
        flops += cost.flopsPerToken();
      }
      return new Cost(total, total - inactive, flops);
    }
  }
}
