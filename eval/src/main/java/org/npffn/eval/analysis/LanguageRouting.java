package org.npffn.eval.analysis;

import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.TokenBatch;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;

/**
 * Which units each language uses, per layer, and the mutual information between language and unit.
 *
 * <p>Each language's documents are cut into windows of their own (a window never mixes languages) and run
 * through the network in inference mode; each routing or gating layer's loads are summed per language:
 * token-slots per expert for an MoE, summed gate weight α per group for an NP. p(u | l) is the normalised
 * sum, p(l) is the language's share of the evaluated tokens, and
 * I(L; U) = Σ_l p(l) Σ_u p(u | l) log₂(p(u | l) / p(u)), with p(u) = Σ_l p(l) p(u | l): 0 when every
 * language uses the units alike, H(L) when each language has units of its own. Languages with fewer than
 * one batch of tokens, and "unknown", are left out.
 */
public final class LanguageRouting {
  private LanguageRouting() {}

  /** One layer's result: p(u | l) per language, and I(L; U) in bits. */
  public record LayerLanguages(Map<String, double[]> usage, double mutualInformationBits) {}

  /**
   * @param ffnLayers the FFN layers to read (non-routing ones are skipped)
   * @param length T of the windows
   * @param batch B of the evaluation batches
   * @param maxTokensPerLanguage tokens evaluated per language at most
   */
  public static Map<String, LayerLanguages> measure(ComputationGraph net, List<String> ffnLayers,
      List<byte[]> documents, DocumentLanguages languages, int length, int batch, long maxTokensPerLanguage) {
    Preconditions.checkArgument(length > 0, "length = %s must be positive", length);
    Preconditions.checkArgument(batch > 0, "batch = %s must be positive", batch);
    Map<String, Map<String, double[]>> load = new LinkedHashMap<>(); // layer -> language -> load
    Map<String, Long> tokens = new LinkedHashMap<>();
    languages.split(documents).forEach((lang, docs) -> {
      if (lang.equals(DocumentLanguages.UNKNOWN)) {
        return;
      }
      List<TokenBatch> batches = new ByteWindows(docs, length).evaluation(batch, maxTokensPerLanguage);
      long real = batches.stream().mapToLong(TokenBatch::realTokens).sum();
      if (real < (long) batch * length / 2) {
        return;
      }
      tokens.put(lang, real);
      for (TokenBatch b : batches) {
        net.output(false, new INDArray[] {b.ids()}, new INDArray[] {b.mask()});
        for (String name : ffnLayers) {
          if (net.getLayer(name) instanceof UsageReporting r && r.lastUsage().isPresent()) {
            UsageSnapshot s = r.lastUsage().get();
            double[] sum = load.computeIfAbsent(name, k -> new LinkedHashMap<>())
                .computeIfAbsent(lang, k -> new double[s.units()]);
            double[] l = s.load();
            for (int u = 0; u < l.length; u++) {
              sum[u] += l[u];
            }
          }
        }
      }
    });
    Map<String, LayerLanguages> out = new LinkedHashMap<>();
    load.forEach((layer, byLanguage) -> {
      Map<String, double[]> usage = new LinkedHashMap<>();
      byLanguage.forEach((lang, l) -> usage.put(lang, normalised(l)));
      out.put(layer, new LayerLanguages(usage, mutualInformationBits(usage, tokens)));
    });
    return out;
  }

  /** I(L; U) in bits from p(u | l) and token counts per language. */
  public static double mutualInformationBits(Map<String, double[]> usage, Map<String, Long> tokens) {
    double total = usage.keySet().stream().mapToDouble(tokens::get).sum();
    if (usage.isEmpty() || total == 0) {
      return Double.NaN;
    }
    int units = usage.values().iterator().next().length;
    double[] pu = new double[units];
    usage.forEach((lang, p) -> {
      for (int u = 0; u < units; u++) {
        pu[u] += tokens.get(lang) / total * p[u];
      }
    });
    double mi = 0;
    for (Map.Entry<String, double[]> e : usage.entrySet()) {
      double pl = tokens.get(e.getKey()) / total;
      for (int u = 0; u < units; u++) {
        double p = e.getValue()[u];
        if (p > 0) {
          mi += pl * p * Math.log(p / pu[u]) / Math.log(2);
        }
      }
    }
    return Math.max(0, mi);
  }

  private static double[] normalised(double[] load) {
    double sum = 0;
    for (double v : load) {
      sum += v;
    }
    double[] p = new double[load.length];
    for (int u = 0; u < load.length; u++) {
      p[u] = sum == 0 ? 0 : load[u] / sum;
    }
    return p;
  }
}
