package org.npffn.stack.decoding;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.graph.vertex.impl.InputVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.graph.vertex.impl.MergeVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ScaleVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ShiftVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.layers.SequenceLayer;

/**
 * Feeds a language model built from the stack a few tokens at a time, each call continuing from the state the
 * earlier calls left: the KV cache of attention, the embedding's positions, the NP layer's running context. The
 * output of a call is what a full forward over everything fed so far gives at the new positions (in inference
 * mode, to rounding: docs/generation.md states and tests the bound).
 *
 * <p>It is DL4J's own rnnTimeStep with two things added: a check, when it is made, that every layer of the
 * network can step (a layer that would silently see only the new tokens is refused by name), and a mask for
 * the new tokens (DL4J's rnnTimeStep clears masks), so that prompts of different lengths can be stepped as one
 * left-padded batch. The state is the network's: rnnClearPreviousState, rnnGetPreviousState(s) and
 * rnnSetPreviousState on the network act on it too.
 */
public final class IncrementalDecoder {
  private final Model net;
  private final List<SequenceLayer<?>> sequenceLayers = new ArrayList<>();

  private IncrementalDecoder(Model net, List<Layer> layers, Map<String, String> others) {
    this.net = net;
    for (Layer l : layers) {
      if (l instanceof SequenceLayer<?> s) {
        sequenceLayers.add(s);
      }
    }
    Preconditions.checkArgument(others.isEmpty(), "IncrementalDecoder: these parts of the network cannot be "
        + "stepped (they would see only the new tokens): %s", others);
  }

  /** A decoder over a ComputationGraph (such as TransformerStack's), with an empty state. */
  public static IncrementalDecoder of(ComputationGraph net) {
    Preconditions.checkNotNull(net, "net");
    Map<String, String> refused = new LinkedHashMap<>();
    List<Layer> layers = new ArrayList<>();
    for (GraphVertex v : net.getVertices()) {
      if (v instanceof LayerVertex) {
        Layer l = v.getLayer();
        layers.add(l);
        if (!canStep(l)) {
          refused.put(v.getVertexName(), l.getClass().getSimpleName());
        }
      } else if (!(v instanceof InputVertex || v instanceof ElementWiseVertex || v instanceof MergeVertex
          || v instanceof ScaleVertex || v instanceof ShiftVertex)) {
        refused.put(v.getVertexName(), v.getClass().getSimpleName());
      }
    }
    IncrementalDecoder d = new IncrementalDecoder(net, layers, refused);
    d.reset();
    return d;
  }

  /** A decoder over a MultiLayerNetwork of the stack's layers (no residuals), with an empty state. */
  public static IncrementalDecoder of(MultiLayerNetwork net) {
    Preconditions.checkNotNull(net, "net");
    Map<String, String> refused = new LinkedHashMap<>();
    Layer[] layers = net.getLayers();
    for (int i = 0; i < layers.length; i++) {
      if (!canStep(layers[i])) {
        String name = layers[i].conf().getLayer().getLayerName();
        refused.put(name == null ? "layer " + i : name, layers[i].getClass().getSimpleName());
      }
    }
    if (net.getLayerWiseConfigurations().getInputPreProcessors() != null
        && !net.getLayerWiseConfigurations().getInputPreProcessors().isEmpty()) {
      refused.put("input preprocessors", net.getLayerWiseConfigurations().getInputPreProcessors().toString());
    }
    IncrementalDecoder d = new IncrementalDecoder(net, Arrays.asList(layers), refused);
    d.reset();
    return d;
  }

  /**
   * Layers whose step is exact: those that carry their own state (the SDK's sequence layers, DL4J's recurrent
   * layers) and DL4J's per-token output and activation layers.
   */
  private static boolean canStep(Layer l) {
    return l instanceof RecurrentLayer || l instanceof RnnOutputLayer || l instanceof ActivationLayer;
  }

  /** {@link #step(INDArray, INDArray)} with every new token real. */
  public INDArray step(INDArray ids) {
    return step(ids, null);
  }

  /**
   * Feeds the next tokens of every sequence and returns the network's output at them.
   *
   * @param ids [B, T] (or [B, 1, T]) new ids, T >= 1, the same B at every call until {@link #reset}
   * @param mask [B, T], 1 for a real token and 0 for padding (left padding lets prompts of different lengths
   *     share a batch), or null for all real
   * @return the output layer's output at the new positions, [B, T, V] for TransformerStack (probabilities)
   * @throws IllegalArgumentException when the steps would pass the stack's maxLength, the batch size changes,
   *     or an id is outside the vocabulary (naming the layer)
   */
  public INDArray step(INDArray ids, INDArray mask) {
    Preconditions.checkNotNull(ids, "ids");
    Preconditions.checkArgument(ids.rank() == 2 || (ids.rank() == 3 && ids.size(1) == 1),
        "IncrementalDecoder: ids must be [B, T] or [B, 1, T], got %s", Arrays.toString(ids.shape()));
    long b = ids.size(0);
    long t = ids.size(ids.rank() - 1);
    Preconditions.checkArgument(mask == null || (mask.length() == b * t && mask.size(0) == b),
        "IncrementalDecoder: mask has shape %s for ids of %s sequences of %s tokens",
        mask == null ? null : Arrays.toString(mask.shape()), b, t);
    INDArray in = ids.reshape('c', b, 1, t);
    INDArray m = mask == null ? null : mask.reshape('c', b, t);
    for (SequenceLayer<?> l : sequenceLayers) {
      l.setStepMask(m);
    }
    try {
      return net instanceof ComputationGraph g ? g.rnnTimeStep(in)[0] : ((MultiLayerNetwork) net).rnnTimeStep(in);
    } finally {
      for (SequenceLayer<?> l : sequenceLayers) {
        l.setStepMask(null);
      }
    }
  }

  /** Forgets every sequence: the next step starts at position 0 (it may have another batch size). */
  public void reset() {
    if (net instanceof ComputationGraph g) {
      g.rnnClearPreviousState();
    } else {
      ((MultiLayerNetwork) net).rnnClearPreviousState();
    }
  }

  /** A copy of the whole decoding state, per layer, to {@link #restore} later (e.g. to fork a continuation). */
  public Map<String, Map<String, INDArray>> state() {
    if (net instanceof ComputationGraph g) {
      return g.rnnGetPreviousStates();
    }
    MultiLayerNetwork mln = (MultiLayerNetwork) net;
    Map<String, Map<String, INDArray>> out = new LinkedHashMap<>();
    for (int i = 0; i < mln.getnLayers(); i++) {
      if (mln.getLayer(i) instanceof RecurrentLayer) {
        out.put(String.valueOf(i), mln.rnnGetPreviousState(i));
      }
    }
    return out;
  }

  /** Puts back a state taken by {@link #state}. */
  public void restore(Map<String, Map<String, INDArray>> state) {
    Preconditions.checkNotNull(state, "state");
    if (net instanceof ComputationGraph g) {
      g.rnnSetPreviousStates(state);
      return;
    }
    MultiLayerNetwork mln = (MultiLayerNetwork) net;
    state.forEach((k, v) -> mln.rnnSetPreviousState(Integer.parseInt(k), v));
  }
}
