package org.npffn.stack.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A ParamInitializer driven by a list of {@link ParamSpec}s, so each layer states its parameters once.
 *
 * <p>Follows DL4J's rules for native layers: {@link #init} returns views into the flattened parameter array,
 * registers every key with conf.addVariable, and fills values only when asked to; gradients use the same
 * layout. Matrices are 'c'-order views so the layers can gemm straight into them.
 */
public abstract class SpecParamInitializer implements ParamInitializer {

  /** The parameters of this layer config, in the order of the flattened array. */
  protected abstract List<ParamSpec> specs(Layer layer);

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    long n = 0;
    for (ParamSpec s : specs(layer)) {
      n += s.length();
    }
    return n;
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (ParamSpec s : specs(layer)) {
      keys.add(s.key());
    }
    return keys;
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (ParamSpec s : specs(layer)) {
      if (s.isWeight()) {
        keys.add(s.key());
      }
    }
    return keys;
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (ParamSpec s : specs(layer)) {
      if (s.role() == ParamSpec.Role.BIAS) {
        keys.add(s.key());
      }
    }
    return keys;
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKeys(layer).contains(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return biasKeys(layer).contains(key);
  }

  /** The spec of {@code key}, or null. */
  public ParamSpec spec(Layer layer, String key) {
    for (ParamSpec s : specs(layer)) {
      if (s.key().equals(key)) {
        return s;
      }
    }
    return null;
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    Map<String, INDArray> views = views(conf.getLayer(), paramsView);
    for (String key : views.keySet()) {
      conf.addVariable(key);
    }
    if (initializeParams) {
      for (ParamSpec s : specs(conf.getLayer())) {
        INDArray v = views.get(s.key());
        switch (s.role()) {
          case WEIGHT -> v.assign(((BaseLayer) conf.getLayer()).getWeightInitFn()
              .init(s.fanIn(), s.fanOut(), v.shape(), 'c', v.dup('c')));
          case GAIN -> v.assign(1.0);
          case WEIGHT_ZERO, BIAS, STATE -> v.assign(0.0);
        }
      }
    }
    return views;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
    return views(conf.getLayer(), gradientView);
  }

  private Map<String, INDArray> views(Layer layer, INDArray flat) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    INDArray row = flat.reshape(flat.length());
    long offset = 0;
    for (ParamSpec s : specs(layer)) {
      INDArray v = row.get(NDArrayIndex.interval(offset, offset + s.length())).reshape('c', s.rows(), s.cols());
      out.put(s.key(), v);
      offset += s.length();
    }
    return out;
  }
}
