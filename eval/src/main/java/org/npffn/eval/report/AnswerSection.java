package org.npffn.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.PairedDifference;

/**
 * The section the report opens with: each paired comparison in one sentence (docs/report.md, "answer"), how
 * to read the intervals, and how the runs were made (init scheme, budget, the divergence rule). Each sentence's
 * numbers are also in data- attributes, so a test can read them from the rendered page.
 */
final class AnswerSection {
  private AnswerSection() {}

  static void render(StringBuilder h, List<PairedDifference> answer, JsonNode results) {
    h.append("<section id=\"answer\">\n<h2>The answer</h2>\n");
    if (answer.isEmpty()) {
      h.append("<p class=\"none\">No comparison: this run has neither np beside dense nor an MoE arm beside np or "
          + "dense.</p>\n");
    } else {
      h.append("<ul class=\"answer\">\n");
      for (PairedDifference p : answer) {
        Interval pct = p.differencePercent();
        Interval bpb = p.differenceBitsPerByte();
        String kind = pct.n() < Interval.MIN_SEEDS ? "no-interval" : p.excludesZero() ? "separated" : "overlapping";
        h.append("<li class=\"").append(kind).append("\" data-question=\"").append(esc(p.question()))
            .append("\" data-n=\"").append(pct.n()).append("\" data-mean-percent=\"").append(number(pct.mean()))
            .append("\" data-low-percent=\"").append(number(pct.low())).append("\" data-high-percent=\"")
            .append(number(pct.high())).append("\" data-mean-bpb=\"").append(number(bpb.mean()))
            .append("\" data-low-bpb=\"").append(number(bpb.low())).append("\" data-high-bpb=\"")
            .append(number(bpb.high())).append("\" data-excludes-zero=\"").append(p.excludesZero()).append("\">")
            .append("<span class=\"question\">").append(esc(p.question())).append(":</span> ")
            .append(esc(p.sentence())).append("</li>\n");
      }
      h.append("</ul>\n");
    }
    h.append("<p class=\"note\">Test bits per byte, lower is better. Paired by seed: two runs with the same seed "
        + "trained on the same batches in the same order, so each seed gives one difference, and only seeds where "
        + "both runs are ok are paired. 95% CI: mean ± t(0.975, n−1)·sd/√n over the per-seed differences; the "
        + "percentages are the same interval over the reference arm's mean. <b>Three seeds give a wide interval</b> "
        + "(t(0.975, 2) = 4.30): a real difference of a few percent can still include zero; more seeds (--seeds) "
        + "narrow it. With fewer than " + Interval.MIN_SEEDS + " paired seeds a comparison is a single run or a "
        + "mean of two: no interval and no claim of a difference.");
    answer.stream().filter(p -> p.question().contains("best MoE")).findFirst().ifPresent(p -> h.append(
        " The best MoE (" + esc(p.question().startsWith("best") ? p.arm() : p.reference()) + ") is the MoE arm "
            + "with the lowest mean test bits per byte; it is picked on the same test numbers it is compared on, "
            + "which flatters it a little."));
    h.append("</p>\n<div id=\"chart-answer\"></div>\n");
    howRunsWereMade(h, results);
    h.append("</section>\n");
  }

  private static void howRunsWereMade(StringBuilder h, JsonNode r) {
    JsonNode t = r.at("/config/training");
    h.append("<p id=\"method\">Every arm trained ").append(t.path("steps").asText("?")).append(" steps of ")
        .append(t.path("batch").asText("?")).append(" × ").append(t.path("length").asText("?"))
        .append(" bytes with seeds ").append(esc(r.get("seeds").toString())).append("; weights initialised with ")
        .append("<b>").append(esc(t.path("init").asText("not recorded"))).append("</b>")
        .append(" (--init); the ranking of the arms can depend on how the weights start (docs/eval.md measured it "
            + "under normal-0.02, gpt2 and fan-in): <code>np-eval report DIR --other-inits DIR2,DIR3</code> "
            + "states whether each answer holds under every scheme. Divergence rule: ")
        .append(esc(r.path("divergence_rule").asText()))
        .append(". A diverged or failed run is left out of the means and the pairing, and is listed and marked in "
            + "red below.</p>\n");
  }

  private static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
