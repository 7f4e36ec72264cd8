package org.npffn.eval.report;

import com.google.common.html.HtmlEscapers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One colour per arm, the same in every table and chart of the report: the page's tables take it from here
 * and report.js reads the same map from the page. Known arms have fixed colours, so dense is blue in every
 * report whatever arms ran. Red (#c00000 in report.css and chart-kit.js) is kept for diverged and failed runs.
 */
final class ArmColours {
  private static final Map<String, String> FIXED = Map.of("dense", "#4e79a7", "moe-aux", "#f28e2b",
      "moe-lossfree", "#b07aa1", "moe-relu", "#d37295", "np", "#59a14f", "dense-wide", "#76b7b2", "np-wide",
      "#edc948");
  // for labels this version does not know (a results file from a later one)
  private static final List<String> SPARE = List.of("#9c755f", "#bab0ac", "#ff9da7", "#17becf", "#8c564b");

  private final Map<String, String> colours = new LinkedHashMap<>();

  /** The colours of {@code arms}: fixed ones for known labels, spares in order for the rest. */
  ArmColours(List<String> arms) {
    int spare = 0;
    for (String arm : arms) {
      String c = FIXED.get(arm);
      colours.put(arm, c != null ? c : SPARE.get(spare++ % SPARE.size()));
    }
  }

  /** Arm label to CSS colour, in the order given. */
  Map<String, String> asMap() {
    return Collections.unmodifiableMap(colours);
  }

  String of(String arm) {
    return colours.getOrDefault(arm, SPARE.get(0));
  }

  /** A table cell naming the arm with its colour swatch. */
  String cell(String arm) {
    return "<td class=\"arm\"><span class=\"swatch\" style=\"background:" + of(arm) + "\"></span>"
        + HtmlEscapers.htmlEscaper().escape(arm) + "</td>";
  }
}
