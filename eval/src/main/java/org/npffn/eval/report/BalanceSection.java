package org.npffn.eval.report;

import com.google.common.html.HtmlEscapers;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.Decimals;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.LayerResult.Usage;
import org.npffn.eval.results.RunResult;

/**
 * Balance on the test set, per arm and layer, as means over the arm's ok seeds: the MoE experts' hard load
 * (CV, entropy, MaxVio per batch and global, dropped token-slots) in one table, and the NP groups' soft usage
 * (mean gate weight ᾱ per group) in another with its own names: an NP token uses every group, weighted, so
 * nothing in it is a load or comparable with MaxVio. Every MoE and NP arm has rows, ok runs or not.
 */
final class BalanceSection {
  private BalanceSection() {}

  static void render(StringBuilder h, CompareResults r, ArmColours colours) {
    h.append("<h2>Balance on the test set</h2>\n");
    List<String> moe = armsWith(r, LayerResult.MOE);
    List<String> np = armsWith(r, LayerResult.NP);
    if (moe.isEmpty() && np.isEmpty()) {
      h.append("<p class=\"none\">no MoE or NP arm in this run</p>\n");
      return;
    }
    if (!moe.isEmpty()) {
      h.append("<h3>MoE experts: hard load (token-slots each expert computed)</h3>\n<table class=\"balance moe\">")
          .append("<thead><tr><th>arm</th><th>layer</th><th>CV</th><th>normalised entropy</th>")
          .append("<th>MaxVio per batch</th><th>MaxVio global</th><th>dropped token-slots</th>")
          .append("<th>busiest 10% share</th><th>effective experts</th><th>router z</th>")
          .append("<th>ReLU sparsity</th><th>active experts per token</th><th>dead experts</th></tr></thead><tbody>\n");
      for (String arm : moe) {
        rows(h, r.runs(), arm, LayerResult.MOE, colours, List.of(Usage::cv, Usage::normalisedEntropy,
            Usage::maxVioPerBatch, Usage::maxVioGlobal, Usage::droppedFraction, Usage::busiest10pctShare,
            Usage::effectiveUnits, u -> scalar(u, "router_z"), u -> scalar(u, "relu_sparsity"),
            u -> scalar(u, "active_experts"), BalanceSection::deadExperts), false);
      }
      h.append("</tbody></table>\n<p class=\"note\">Over the test set, means over ok seeds. CV = std/mean of the "
          + "loads; entropy H(f)/ln E (1 = uniform); MaxVio = (max load − mean load)/mean load, per batch (mean of "
          + "each test batch's value) and global (loads summed over the whole test set); dropped: the fraction of "
          + "token-slots refused by a full expert (0 without a capacity). ReLU-routed arms (moe-relu): sparsity = "
          + "the fraction of zero gates (target 1 − k/E), active experts per token = E·(1 − sparsity), dead experts: "
          + "experts no test token reached. Definitions in docs/eval.md and docs/moe.md.</p>\n");
    }
    if (!np.isEmpty()) {
      h.append("<h3>NP groups: soft usage (mean gate weight ᾱ per group; not a load)</h3>\n")
          .append("<table class=\"balance np\"><thead><tr><th>arm</th><th>layer</th><th>soft usage ᾱ per group</th>")
          .append("<th>soft-usage CV</th><th>max ᾱ/mean ᾱ − 1</th><th>effective groups</th>")
          .append("<th>effective groups per token</th><th>specialisation</th><th>dead groups</th>")
          .append("<th>context reliance</th></tr></thead><tbody>\n");
      for (String arm : np) {
        rows(h, r.runs(), arm, LayerResult.NP, colours, List.of(Usage::softUsageCv, Usage::softUsageExcess,
            u -> scalar(u, "effective_groups"), u -> scalar(u, "effective_groups_per_token"),
            u -> scalar(u, "specialisation"), u -> scalar(u, "dead_groups"), u -> scalar(u, "context_reliance")),
            true);
      }
      h.append("</tbody></table>\n<p class=\"note\">ᾱ_m: group m's gate weight averaged over the test tokens (the "
          + "groups' ᾱ sum to 1). Every token computes every group, so nothing is routed or dropped: the soft-usage "
          + "CV and max ᾱ/mean ᾱ − 1 say how unevenly the gate spreads its weight and do not compare with an MoE's "
          + "MaxVio. Effective groups exp H(ᾱ); per token exp E_t H(α_t); specialisation = their difference; dead "
          + "groups: ᾱ_m &lt; 0.1/M; context reliance ‖U·r_t‖/‖W_up·h_t‖ (docs/np-layer.md).</p>\n");
    }
  }

  /** One row per layer of the arm: each metric's mean over the ok runs; a red row when no run is ok. */
  private static void rows(StringBuilder h, List<RunResult> runs, String arm, String kind, ArmColours colours,
      List<ToDoubleFunction<Usage>> metrics, boolean softUsage) {
    List<RunResult> ok = runs.stream().filter(x -> x.arm().equals(arm) && x.ok()).toList();
    int columns = metrics.size() + (softUsage ? 1 : 0);
    if (ok.isEmpty()) {
      h.append("<tr class=\"not-ok\">").append(colours.cell(arm)).append("<td>every layer</td><td colspan=\"")
          .append(columns).append("\">no ok run: every seed diverged or failed</td></tr>\n");
      return;
    }
    Set<String> layers = new LinkedHashSet<>();
    ok.forEach(x -> x.layers().stream().filter(l -> kind.equals(l.kind())).forEach(l -> layers.add(l.layer())));
    for (String layer : layers) {
      List<Usage> usages = ok.stream().flatMap(x -> x.layers().stream())
          .filter(l -> l.layer().equals(layer) && l.test() != null).map(LayerResult::test).toList();
      h.append("<tr>").append(colours.cell(arm)).append("<td>").append(esc(layer)).append("</td>");
      if (softUsage) {
        h.append("<td class=\"vector\">").append(meanVector(usages)).append("</td>");
      }
      for (ToDoubleFunction<Usage> m : metrics) {
        h.append("<td>").append(Decimals.fixed(usages.stream().mapToDouble(m).filter(Double::isFinite).average()
            .orElse(Double.NaN), 3)).append("</td>");
      }
      h.append("</tr>\n");
    }
  }

  /** ᾱ per group, averaged over runs, as "0.126 0.118 …". */
  private static String meanVector(List<Usage> usages) {
    int units = usages.stream().mapToInt(u -> u.meanGate().length).max().orElse(0);
    double[] sum = new double[units];
    for (Usage u : usages) {
      for (int m = 0; m < u.meanGate().length; m++) {
        sum[m] += u.meanGate()[m] / usages.size();
      }
    }
    return String.join(" ", Arrays.stream(sum).mapToObj(v -> Decimals.fixed(v, 3)).toList());
  }

  /** Experts with no load over the whole test set. */
  private static double deadExperts(Usage u) {
    return Arrays.stream(u.load()).filter(l -> l == 0).count();
  }

  private static double scalar(Usage u, String name) {
    Double v = u.scalars() == null ? null : u.scalars().get(name);
    return v == null ? Double.NaN : v;
  }

  /** Arms labelled "{@code kind}…" or with a layer of {@code kind} in any run, in summary order. */
  private static List<String> armsWith(CompareResults r, String kind) {
    // the label too: a run that failed before its network was built has no layers
    return r.summary().stream().map(CompareResults.ArmSummary::arm).filter(arm -> arm.startsWith(kind)
        || r.runs().stream().anyMatch(x -> x.arm().equals(arm)
            && x.layers().stream().anyMatch(l -> Objects.equals(kind, l.kind())))).toList();
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
