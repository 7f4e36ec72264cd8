package org.npffn.eval.report;

import com.google.common.html.HtmlEscapers;
import java.util.List;
import org.npffn.eval.results.ArmLayerStat;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.CompareResults.ArmSummary;
import org.npffn.eval.results.Decimals;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.LayerResult;
import org.npffn.eval.results.RunResult;

/**
 * The summary table (one row per arm), the table of every run, and the list of diverged and failed runs with
 * their step and reason. A run that is not ok is red wherever it appears, never left out.
 */
final class RunsSection {
  private RunsSection() {}

  static void summary(StringBuilder h, CompareResults r, ArmColours colours) {
    h.append("<h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>arm</th><th>runs</th>")
        .append("<th>validation ppl</th><th>test ppl</th><th>test bits/byte</th><th>parameters</th>")
        .append("<th>active</th><th>FFN FLOPs/token</th><th>tokens/s</th>")
        .append("<th>MoE MaxVio (test, global, worst layer)</th><th>NP soft usage: max ᾱ/mean ᾱ − 1 (test, worst ")
        .append("layer)</th><th>expert similarity</th><th>language MI (bits)</th></tr></thead><tbody>\n");
    List<RunResult> runs = r.runs();
    boolean anyInterval = false;
    for (ArmSummary a : r.summary()) {
      String arm = a.arm();
      anyInterval |= a.testPerplexity().n() >= Interval.MIN_SEEDS;
      h.append(a.failed() == a.runs() ? "<tr class=\"not-ok\">" : "<tr>").append(colours.cell(arm))
          .append(runsCell(a)).append("<td>")
          .append(interval(a.validationPerplexity(), 3)).append("</td><td>")
          .append(interval(a.testPerplexity(), 3)).append("</td><td>")
          .append(interval(a.testBitsPerByte(), 4)).append("</td><td>")
          .append(Decimals.format("%,.0f", a.parameters())).append("</td><td>")
          .append(Decimals.format("%,.0f", a.activeParameters())).append("</td><td>")
          .append(Decimals.format("%,.0f", a.ffnFlopsPerToken())).append("</td><td>")
          .append(Decimals.format("%,.0f", a.tokensPerSecond().mean())).append("</td><td>")
          .append(Decimals.fixed(ArmLayerStat.worstLayer(runs, arm, LayerResult.MOE,
              l -> l.test() == null ? Double.NaN : l.test().maxVioGlobal()), 3)).append("</td><td>")
          .append(Decimals.fixed(ArmLayerStat.worstLayer(runs, arm, LayerResult.NP,
              l -> l.test() == null ? Double.NaN : l.test().softUsageExcess()), 3)).append("</td><td>")
          .append(Decimals.fixed(ArmLayerStat.meanOverLayers(runs, arm, null,
              l -> l.similarity() == null ? Double.NaN : l.similarity()), 3)).append("</td><td>")
          .append(Decimals.fixed(ArmLayerStat.meanOverLayers(runs, arm, null,
              l -> l.languageMutualInformationBits() == null ? Double.NaN : l.languageMutualInformationBits()), 3))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table>\n<p class=\"note\">").append(anyInterval
        ? "Perplexity and bits per byte: mean ± half-width of the 95% Student-t interval over the ok seeds."
        : "Fewer than " + Interval.MIN_SEEDS + " ok seeds per arm: single runs or means, no intervals (run with "
            + "--seeds 3 or more).")
        .append(" MoE MaxVio: hard load, (max load − mean load)/mean load over the whole test set, the worst layer."
            + " NP soft usage: ᾱ_m is group m's mean gate weight over the test tokens; every token uses every group,"
            + " so this is how unevenly the gate spreads its weight, not a load, and it does not compare with"
            + " MaxVio. Both are means over the ok seeds. Similarity and language MI: mean over layers and ok"
            + " seeds. FLOPs and parameters stand beside every perplexity so arms are read at matched compute or"
            + " matched parameters (docs/eval.md).</p>\n");
  }

  private static String runsCell(ArmSummary a) {
    if (a.failed() == 0) {
      return "<td>" + a.runs() + "</td>";
    }
    int failedOtherwise = a.failed() - a.diverged();
    return "<td class=\"not-ok\">" + (a.runs() - a.failed()) + "/" + a.runs() + " ok"
        + (a.diverged() > 0 ? ", " + a.diverged() + " diverged" : "")
        + (failedOtherwise > 0 ? ", " + failedOtherwise + " failed" : "") + "</td>";
  }

  /** Every run, one row each; runs that are not ok in red with their status and step. */
  static void runs(StringBuilder h, CompareResults r, ArmColours colours) {
    h.append("<h2>Runs</h2>\n<table class=\"runs\"><thead><tr><th>arm</th><th>seed</th><th>status</th>")
        .append("<th>steps done</th><th>test bits/byte</th><th>test ppl</th><th>validation ppl</th>")
        .append("<th>tokens/s</th><th>seconds</th><th>peak memory (MB)</th></tr></thead><tbody>\n");
    for (RunResult run : r.runs()) {
      boolean ok = run.ok();
      h.append(ok ? "<tr>" : "<tr class=\"not-ok\">").append(colours.cell(run.arm())).append("<td>")
          .append(run.seed()).append("</td><td>").append(esc(status(run))).append("</td><td>")
          .append(run.stepsDone()).append("</td><td>")
          .append(run.test() == null ? Decimals.MISSING : Decimals.fixed(run.test().bitsPerByte(), 4)).append("</td><td>")
          .append(run.test() == null ? Decimals.MISSING : Decimals.fixed(run.test().perplexity(), 3)).append("</td><td>")
          .append(run.validation() == null ? Decimals.MISSING : Decimals.fixed(run.validation().perplexity(), 3))
          .append("</td><td>").append(Decimals.format("%,.0f", run.tokensPerSecond())).append("</td><td>")
          .append(Decimals.fixed(run.seconds(), 1)).append("</td><td>")
          .append(Decimals.format("%,.0f", run.peakMemoryBytes() / 1e6)).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
  }

  /** The runs that are not ok: arm, seed, step and reason, and the last good checkpoint. */
  static void notOk(StringBuilder h, CompareResults r) {
    List<RunResult> bad = r.runs().stream().filter(run -> !run.ok()).toList();
    if (bad.isEmpty()) {
      return;
    }
    h.append("<section id=\"not-ok\">\n<h2>Diverged and failed runs</h2>\n<p>").append(bad.size()).append(" of ")
        .append(r.runs().size()).append(" runs are not ok. They are left out of every mean, interval and paired "
            + "difference, drawn with a red cross in the charts, and listed here.</p>\n<ul class=\"not-ok\">\n");
    for (RunResult run : bad) {
      h.append("<li data-arm=\"").append(esc(run.arm())).append("\" data-seed=\"").append(run.seed())
          .append("\" data-status=\"").append(esc(run.status())).append("\"><b>").append(esc(run.arm()))
          .append(" / seed ").append(run.seed()).append("</b>: ").append(esc(status(run))).append(" after ")
          .append(run.stepsDone()).append(" completed steps. Reason: ")
          .append(esc(run.error() == null ? "not recorded" : run.error()))
          .append(run.checkpoint() == null ? "" : ". Last good checkpoint: <code>" + esc(run.checkpoint()) + "</code>")
          .append("</li>\n");
    }
    h.append("</ul>\n</section>\n");
  }

  private static String status(RunResult run) {
    if (RunResult.DIVERGED.equals(run.status())) {
      return run.divergedAt() == null ? "diverged" : "diverged at step " + run.divergedAt();
    }
    return run.status();
  }

  private static String interval(Interval i, int decimals) {
    if (i.n() == 0) {
      return Decimals.MISSING;
    }
    String mean = Decimals.fixed(i.mean(), decimals);
    return Double.isNaN(i.low()) ? mean : mean + " ± " + Decimals.fixed((i.high() - i.low()) / 2, decimals);
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
