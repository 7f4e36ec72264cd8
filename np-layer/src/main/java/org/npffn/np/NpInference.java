package org.npffn.np;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The NP layer's runtime settings, set on every {@link NpFfnLayer} of a network with one call.
 *
 * <p>They are not configuration: they are not in the network's JSON, ModelSerializer does not save them (a
 * restored model starts with both off), and training passes ignore them. Each stays set until changed.
 *
 * <ul>
 *   <li>Inference top-k ({@link #setTopK}): each token keeps its k largest groups and only those are computed.
 *       k = 0, the default, is off: the dense path.
 *   <li>Context donors ({@link #setContextDonors}): sequence s of the batch reads the context summary r of
 *       sequence donors[s], to measure how much the model relies on its own context. null, the default, is off.
 * </ul>
 */
public final class NpInference {
  private NpInference() {}

  /**
   * Inference top-k on every NP layer of {@code net} ({@link NpFfnLayer#setInferenceTopK}).
   *
   * @param k groups kept per token: 0 turns top-k off (dense); M keeps all, through the per-group dispatch
   * @param renormalise whether the kept groups' weights are rescaled to the token's total over all groups
   * @return how many NP layers were set (0 for a network without one)
   * @throws IllegalArgumentException naming the layer when k is outside [0, M] for one of them; then no layer
   *     is changed
   */
  public static int setTopK(ComputationGraph net, int k, boolean renormalise) {
    return setTopK(layers(net.getLayers()), k, renormalise);
  }

  /** The same for a MultiLayerNetwork. */
  public static int setTopK(MultiLayerNetwork net, int k, boolean renormalise) {
    return setTopK(layers(net.getLayers()), k, renormalise);
  }

  /**
   * Context donors on every NP layer of {@code net} ({@link NpFfnLayer#setContextDonors}): at inference,
   * sequence s reads the r of sequence donors[s]; null turns it off.
   *
   * @return how many NP layers were set
   * @throws IllegalArgumentException at the next inference pass if donors.length is not the batch size, or a
   *     donor is outside [0, B)
   */
  public static int setContextDonors(ComputationGraph net, int[] donors) {
    return setContextDonors(layers(net.getLayers()), donors);
  }

  /** The same for a MultiLayerNetwork. */
  public static int setContextDonors(MultiLayerNetwork net, int[] donors) {
    return setContextDonors(layers(net.getLayers()), donors);
  }

  private static int setTopK(List<NpFfnLayer> np, int k, boolean renormalise) {
    for (NpFfnLayer l : np) {
      l.checkInferenceTopK(k); //                       every layer first, so a bad k changes none of them
    }
    np.forEach(l -> l.setInferenceTopK(k, renormalise));
    return np.size();
  }

  private static int setContextDonors(List<NpFfnLayer> np, int[] donors) {
    np.forEach(l -> l.setContextDonors(donors));
    return np.size();
  }

  private static List<NpFfnLayer> layers(Layer[] all) {
    List<NpFfnLayer> np = new ArrayList<>();
    for (Layer l : all) {
      if (l instanceof NpFfnLayer n) {
        np.add(n);
      }
    }
    return np;
  }
}
