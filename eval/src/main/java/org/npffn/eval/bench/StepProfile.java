package org.npffn.eval.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a training step's time goes, layer by layer: each layer of the graph runs its forward (training) and its
 * backward on its own, on the activations a training forward gave it, and the fastest of several runs is kept.
 * Beside them, the whole step (net.fit) and its forward + backward alone (computeGradientAndScore) are timed the
 * same way, so that the rest splits into "graph" (the residual adds, DL4J's vertex bookkeeping and workspaces) and
 * "update" (per-layer clipping and the AdamW update).
 *
 * <p>The layers run here without workspaces, so a layer that allocates its output pays for it here as in the
 * graph; the shares are estimates, and the per-layer sum need not add up exactly to the graph's forward + backward.
 *
 * @param rows per layer vertex, in topological order: name, forward ms, backward ms
 * @param stepMs net.fit, fastest run
 * @param gradientMs computeGradientAndScore, fastest run
 */
public record StepProfile(List<LayerTime> rows, double stepMs, double gradientMs) {

  /** One layer's forward and backward, fastest runs, in ms. */
  public record LayerTime(String vertex, String kind, double forwardMs, double backwardMs) {}

  /** A piece of work that returns how long its timed part took, in ns. */
  @FunctionalInterface
  private interface TimedRun {
    long nanos();
  }

  /** Times every layer of {@code net} on {@code batch}: the fastest of {@code repeats} runs after as many untimed. */
  public static StepProfile of(ComputationGraph net, MultiDataSet batch, int repeats) {
    if (repeats < 1) {
      throw new IllegalArgumentException("repeats = " + repeats + " must be at least 1");
    }
    double step = fastest(repeats, whole(() -> net.fit(batch)));
    double gradient = fastest(repeats, whole(() -> {
      net.setInputs(batch.getFeatures());
      net.setLabels(batch.getLabels());
      net.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
      net.computeGradientAndScore();
    }));
    net.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
    Map<String, INDArray> acts = net.feedForward(batch.getFeatures(), true, false);
    List<LayerTime> rows = new ArrayList<>();
    GraphVertex[] vertices = net.getVertices();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    for (int i : net.topologicalSortOrder()) {
      GraphVertex v = vertices[i];
      if (!v.hasLayer()) {
        continue;
      }
      Layer layer = v.getLayer();
      INDArray in = acts.get(vertices[v.getInputVertices()[0].getVertexIndex()].getVertexName());
      INDArray[] out = new INDArray[1];
      double forward = fastest(repeats, whole(() -> {
        layer.setInput(in, mgr);
        out[0] = layer.activate(true, mgr);
      }));
      INDArray epsilon = null;
      if (layer instanceof IOutputLayer o) {
        o.setLabels(batch.getLabels(0)); //                                     the loss's own backward
      } else {
        epsilon = Nd4j.randn(out[0].dataType(), out[0].shape()).muli(1e-3);
      }
      INDArray dOut = epsilon;
      // every backward follows its own training forward, which sets what the backward reads; only it is timed
      double backward = fastest(repeats, () -> {
        layer.setInput(in, mgr);
        layer.activate(true, mgr);
        long start = System.nanoTime();
        layer.backpropGradient(dOut, mgr);
        return System.nanoTime() - start;
      });
      rows.add(new LayerTime(v.getVertexName(), layer.getClass().getSimpleName(), forward, backward));
    }
    net.clearLayerMaskArrays();
    return new StepProfile(rows, step, gradient);
  }

  private static TimedRun whole(Runnable work) {
    return () -> {
      long start = System.nanoTime();
      work.run();
      return System.nanoTime() - start;
    };
  }

  /** The fastest of {@code repeats} timed runs, in ms, after {@code repeats} untimed ones. */
  private static double fastest(int repeats, TimedRun run) {
    for (int i = 0; i < repeats; i++) {
      run.nanos();
    }
    long best = Long.MAX_VALUE;
    for (int i = 0; i < repeats; i++) {
      best = Math.min(best, run.nanos());
    }
    return best / 1e6;
  }

  /** The layers' forward + backward, summed by kind (the layer's class), in ms. */
  public Map<String, Double> byKind() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (LayerTime r : rows) {
      out.merge(r.kind(), r.forwardMs() + r.backwardMs(), Double::sum);
    }
    return out;
  }

  /** Prints one line per layer, the sums by kind, and what the graph and the update add. */
  public void print(String caseName, PrintStream out) {
    out.printf(Locale.ROOT, "%s: step %.2f ms (forward + backward %.2f ms), fastest runs%n", caseName, stepMs,
        gradientMs);
    out.printf(Locale.ROOT, "  %-18s %-28s %9s %9s%n", "layer", "kind", "fwd ms", "bwd ms");
    double layers = 0;
    for (LayerTime r : rows) {
      out.printf(Locale.ROOT, "  %-18s %-28s %9.2f %9.2f%n", r.vertex(), r.kind(), r.forwardMs(), r.backwardMs());
      layers += r.forwardMs() + r.backwardMs();
    }
    for (Map.Entry<String, Double> e : byKind().entrySet()) {
      out.printf(Locale.ROOT, "  %-47s %9.2f ms  %5.1f%% of the step%n", "all " + e.getKey(), e.getValue(),
          100 * e.getValue() / stepMs);
    }
    out.printf(Locale.ROOT, "  %-47s %9.2f ms  %5.1f%% of the step%n", "graph (residual adds, bookkeeping)",
        gradientMs - layers, 100 * (gradientMs - layers) / stepMs);
    out.printf(Locale.ROOT, "  %-47s %9.2f ms  %5.1f%% of the step%n", "update (clipping, AdamW)",
        stepMs - gradientMs, 100 * (stepMs - gradientMs) / stepMs);
  }
}
