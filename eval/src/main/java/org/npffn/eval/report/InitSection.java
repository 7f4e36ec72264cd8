package org.npffn.eval.report;

import com.google.common.html.HtmlEscapers;
import org.npffn.eval.results.InitSensitivity;
import org.npffn.eval.results.InitSensitivity.Question;
import org.npffn.eval.results.PairedDifference;

/**
 * "Across initialisations": each question of the stated answer under every --init scheme given, and whether
 * its verdict depends on the scheme (docs/eval.md, Initialisation).
 */
final class InitSection {
  private InitSection() {}

  static void render(StringBuilder h, InitSensitivity s) {
    h.append("<section id=\"inits\">\n<h2>Across initialisations</h2>\n<p>");
    h.append(s.anyDepends()
        ? "<b class=\"depends\">The answer depends on the initialisation</b>: at least one comparison comes out "
            + "differently under another --init scheme, so read it as a finding under that scheme only."
        : "<b>Every comparison comes out the same under every --init scheme given</b>.");
    h.append("</p>\n<table class=\"inits\"><thead><tr><th>comparison</th>");
    for (String init : s.inits()) {
      h.append("<th>").append(esc(init)).append("</th>");
    }
    h.append("<th>depends on the init</th></tr></thead>\n<tbody>\n");
    for (Question q : s.questions()) {
      h.append("<tr").append(q.dependsOnInit() ? " class=\"depends\"" : "").append(" data-question=\"")
          .append(esc(q.question())).append("\"><td>").append(esc(q.question())).append("</td>");
      for (int i = 0; i < q.answers().size(); i++) {
        PairedDifference p = q.answers().get(i);
        h.append("<td>").append(esc(p.arm())).append(' ').append(esc(q.verdicts().get(i).words())).append(' ')
            .append(esc(p.reference()));
        if (p.differencePercent().n() >= 1) {
          h.append(String.format(" (%+.2f%%", p.differencePercent().mean()));
          if (Double.isFinite(p.differencePercent().low())) {
            h.append(String.format("; %.2f%% to %.2f%%", p.differencePercent().low(), p.differencePercent().high()));
          }
          h.append(')');
        }
        h.append("</td>");
      }
      h.append("<td>").append(q.dependsOnInit() ? "yes" : "no").append("</td></tr>\n");
    }
    h.append("</tbody></table>\n<p class=\"note\">Each cell: the paired difference in test bits per byte under "
        + "that scheme, its mean and 95% interval in percent of the reference; \"not separated\" when the interval "
        + "includes zero. A comparison depends on the initialisation when its verdict differs between schemes. "
        + "The runs of the other schemes are the same comparison (arms, seeds, steps, data) but for --init.</p>\n"
        + "</section>\n");
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
