package org.npffn.np;

import java.util.Optional;
import net.jqwik.api.Group;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.npffn.stack.contract.ExpectedUsage;
import org.npffn.stack.contract.FfnContract;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * The Neural-Process FFN against the FFN-slot contract, once per option set: each group is one tiny config
 * (d = 6, h = 8 in M = 4 groups, r = 3, selector rank 2; 172-214 parameters) and runs the whole suite. The
 * contract moves every parameter off its initialisation first, so the zero-started selector (A2, G) and the
 * decay carry signal in the causality and masking checks. Between them the sets cover every pair of context
 * mode × gating and turn the context projection U and the decay on and off.
 */
class NpFfnContractTest {

  /** What every option set shares: the usage the NP layer reports, M units. */
  abstract static class NpOptionSet implements FfnContract {
    static final int GROUPS = 4;

    abstract NpFfn.Builder options();

    @Override
    public FfnSlotConf tinyFfn() {
      return options().hidden(8).groups(GROUPS).contextWidth(3).selectorRank(2).build();
    }

    @Override
    public Optional<ExpectedUsage> expectedUsage() {
      ExpectedUsage usage = ExpectedUsage.of(GROUPS, "effective_groups", "effective_groups_per_token",
          "specialisation", "dead_groups");
      // ‖U r_t‖ / ‖W_up h_t + b‖ is measured in inference passes of a layer with U only
      return Optional.of(tinyFfnHasU() ? usage.andAtInference("context_reliance") : usage);
    }

    private boolean tinyFfnHasU() {
      return ((NpFfn) tinyFfn()).isContextProjection();
    }
  }

  /** Transition pairs (h_{i-1}, h_i), softmax groups, U on. */
  @Group
  class Transition extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TRANSITION).gating(GroupGating.SOFTMAX);
    }
  }

  /** Token context h_i, softmax groups, U off: the context acts through the group selector only. */
  @Group
  class Token extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TOKEN).gating(GroupGating.SOFTMAX)
          .contextProjection(false);
    }
  }

  /** Transition pairs with FiLM gates 1 + tanh(G r_t). */
  @Group
  class Film extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TRANSITION).gating(GroupGating.FILM);
    }
  }

  /** Token context with FiLM gates and the exponentially decayed context mean. */
  @Group
  class Decay extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TOKEN).gating(GroupGating.FILM).decay(true);
    }
  }

  /** Transition pairs with inference top-1 (renormalised): what stepping computes with the sparse path on. */
  @Group
  class InferenceTopOne extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TRANSITION).gating(GroupGating.SOFTMAX);
    }

    @Override
    public void applyInferenceSettings(ComputationGraph net) {
      NpInference.setTopK(net, 1, true);
    }
  }

  /** FiLM gates with inference top-2, not renormalised. */
  @Group
  class InferenceTopTwoFilm extends NpOptionSet {
    @Override
    NpFfn.Builder options() {
      return new NpFfn.Builder().contextMode(ContextMode.TOKEN).gating(GroupGating.FILM);
    }

    @Override
    public void applyInferenceSettings(ComputationGraph net) {
      NpInference.setTopK(net, 2, false);
    }
  }
}
