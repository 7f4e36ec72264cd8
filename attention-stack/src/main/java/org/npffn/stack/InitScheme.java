package org.npffn.stack;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/**
 * How the trained matrices of a stack start. The ranking of FFN kinds can depend on it, so the harness lets
 * it be chosen and reports it. Applied once to a freshly initialised network ({@link #apply}); the choice is
 * not part of the saved configuration, the weights it produced are.
 *
 * <p>What each scheme touches: matrices the layers draw from their weight init ({@link ParamSpec.Role#WEIGHT})
 * and the output layer's W. Matrices that start at zero on purpose (WEIGHT_ZERO: the NP selector's output
 * factor, the MoE noise weights), biases, norm gains and state parameters keep their values in every scheme.
 */
public enum InitScheme {
  /** Every matrix N(0, 0.02), as the network's weight init draws them (GPT-2's distribution, unscaled). */
  NORMAL_002("normal-0.02"),
  /**
   * N(0, 0.02), with the projections that write into the residual stream scaled by 1/sqrt(2L) (Radford et al.
   * 2019, section 2.3: two residual branches per block): attention's output projection and the FFN slot's
   * last weight ({@link FfnSlotConf#residualOutputKeys()}: every expert's second layer, the NP's W_down).
   * Embeddings and norms are not scaled.
   */
  GPT2("gpt2"),
  /**
   * Uniform on ±1/sqrt(fan_in) for every linear map, fan_in its input width (torch.nn.Linear's default
   * weight init); the embeddings keep N(0, 0.02), since they are lookups with no fan-in.
   */
  FAN_IN("fan-in");

  private final String label;

  InitScheme(String label) {
    this.label = label;
  }

  /** The name on the command line and in reports. */
  public String label() {
    return label;
  }

  /**
   * The scheme called {@code label}.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static InitScheme of(String label) {
    for (InitScheme s : values()) {
      if (s.label.equals(label.strip().toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException("init = " + label + " is not one of normal-0.02, gpt2, fan-in");
  }

  /**
   * Rewrites the starting weights of {@code net}, built by {@link TransformerStack} with an N(0, 0.02) weight
   * init and freshly initialised; {@code seed} makes the fan-in draws reproducible.
   */
  public void apply(ComputationGraph net, int blocks, long seed) {
    if (this == NORMAL_002) {
      return;
    }
    Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
    double residualScale = 1.0 / Math.sqrt(2.0 * blocks);
    for (Layer layer : net.getLayers()) {
      org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
      if (conf instanceof BaseOutputLayer) {
        if (this == FAN_IN) {
          uniformFanIn(layer.getParam(DefaultParamInitializer.WEIGHT_KEY), rng);
        }
        continue;
      }
      if (!(conf.initializer() instanceof SpecParamInitializer specs)
          || conf instanceof TokenPositionEmbedding) {
        continue;
      }
      Set<String> residual = new HashSet<>();
      if (conf instanceof CausalSelfAttention) {
        residual.add(CausalSelfAttention.W_OUT);
      } else if (conf instanceof FfnSlotConf ffn) {
        residual.addAll(ffn.residualOutputKeys());
      }
      for (String key : specs.paramKeys(conf)) {
        ParamSpec s = specs.spec(conf, key);
        if (s.role() != ParamSpec.Role.WEIGHT) {
          continue;
        }
        INDArray w = layer.getParam(key); // [rows = fan_in, cols]
        if (this == GPT2 && residual.contains(key)) {
          w.muli(residualScale);
        } else if (this == FAN_IN) {
          uniformFanIn(w, rng);
        }
      }
    }
  }

  /** w ~ U(−1/sqrt(rows), 1/sqrt(rows)): x w maps rows inputs to cols outputs. */
  private static void uniformFanIn(INDArray w, Random rng) {
    double bound = 1.0 / Math.sqrt(w.size(0));
    w.assign(Nd4j.rand(Nd4j.create(w.dataType(), w.shape()), -bound, bound, rng));
  }
}
