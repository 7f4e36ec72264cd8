package org.npffn.stack.ffn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J TrainingListener that records, after every training step, the {@link UsageSnapshot} of each layer
 * that routes or gates ({@link UsageReporting}), and logs a one-line summary per layer every
 * {@code logEvery} steps: load CV, MaxVio, normalised entropy, busiest-10% share and dropped fraction.
 */
public final class UsageListener extends BaseTrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(UsageListener.class);

  private final int logEvery;
  private final Map<String, List<UsageSnapshot>> history = new LinkedHashMap<>();

  /** @param logEvery log every this many steps; 0 never logs (history only) */
  public UsageListener(int logEvery) {
    if (logEvery < 0) {
      throw new IllegalArgumentException("logEvery = " + logEvery + " must be non-negative");
    }
    this.logEvery = logEvery;
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    for (Layer layer : layers(model)) {
      if (layer instanceof UsageReporting r) {
        r.lastUsage().ifPresent(s -> {
          history.computeIfAbsent(s.layer(), k -> new ArrayList<>()).add(s);
          if (logEvery > 0 && iteration % logEvery == 0) {
            LOG.info(String.format("step %d %s: tokens %d, CV %.3f, MaxVio %.3f, entropy %.3f, top-10%% %.3f, "
                    + "dropped %.4f", iteration, s.layer(), s.tokens(), s.loadCv(), s.maxVio(),
                s.normalisedLoadEntropy(), s.busiestShare(0.1), s.droppedFraction()));
          }
        });
      }
    }
  }

  /** Per layer (in network order), the snapshot of every training step so far. */
  public Map<String, List<UsageSnapshot>> history() {
    Map<String, List<UsageSnapshot>> copy = new LinkedHashMap<>();
    history.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  /** The layers of a ComputationGraph or MultiLayerNetwork. */
  public static List<Layer> layers(Model model) {
    if (model instanceof ComputationGraph g) {
      return List.of(g.getLayers());
    }
    if (model instanceof MultiLayerNetwork n) {
      return List.of(n.getLayers());
    }
    return List.of();
  }
}
