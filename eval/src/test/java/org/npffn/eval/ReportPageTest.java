package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.npffn.eval.ResultsFixtures.dense;
import static org.npffn.eval.ResultsFixtures.diverged;
import static org.npffn.eval.ResultsFixtures.moe;
import static org.npffn.eval.ResultsFixtures.np;
import static org.npffn.eval.ResultsFixtures.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.report.ReportPage;
import org.npffn.eval.report.ResultsSchema;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;

/**
 * The static part of report.html (no browser): the stated answer first, runs that are not ok in red and
 * listed, MoE hard load and NP soft usage kept apart, no signed zeros, one colour per arm.
 */
class ReportPageTest {
  /** Three ok seeds of dense, moe-aux and np; moe-lossfree diverged with every seed. */
  private static CompareResults results() {
    List<RunResult> runs = new ArrayList<>();
    double[][] bpb = {{3.20, 3.25, 3.15}, {3.30, 3.28, 3.31}, {3.10, 3.17, 3.03}};
    for (int s = 0; s < 3; s++) {
      runs.add(ok("dense", s + 1, bpb[0][s], dense()));
    }
    for (int s = 0; s < 3; s++) {
      runs.add(ok("moe-aux", s + 1, bpb[1][s], moe(100, 300, 200, 400)));
    }
    for (int s = 0; s < 3; s++) {
      runs.add(diverged("moe-lossfree", s + 1, 7, moe(1, 1, 1, 1)));
    }
    for (int s = 0; s < 3; s++) {
      runs.add(ok("np", s + 1, bpb[2][s], np(0.1, 0.2, 0.3, 0.4)));
    }
    return ResultsFixtures.results("gpt2", runs);
  }

  private static JsonNode json() {
    return ResultsJson.mapper().valueToTree(results());
  }

  private static String page() {
    return ReportPage.render(json());
  }

  private static String between(String html, String from, String to) {
    int i = html.indexOf(from);
    assertTrue(i >= 0, "page has " + from);
    return html.substring(i, html.indexOf(to, i));
  }

  /** The cells of the summary table's row for {@code arm}, tags stripped. */
  private static List<String> summaryRow(String html, String arm) {
    String table = between(html, "<table class=\"summary\">", "</table>");
    for (String row : table.split("<tr")) {
      if (row.contains("</span>" + arm + "</td>")) {
        return List.of(row.split("</td>")).stream().map(c -> c.replaceAll("<[^>]*>", "").replaceAll("^[^>]*>", "")
            .strip()).toList();
      }
    }
    throw new AssertionError("no summary row for " + arm);
  }

  @Test
  void theFixtureMatchesTheSchema() {
    assertEquals(List.of(), new ResultsSchema().problems(json()));
  }

  @Test
  void thePageOpensWithTheAnswerThreeComparisonsWithIntervals() {
    String html = page();
    assertTrue(html.indexOf("id=\"answer\"") < html.indexOf("<h2>Summary</h2>"), "the answer comes first");
    String answer = between(html, "<section id=\"answer\">", "</section>");
    Matcher m = Pattern.compile("<li class=\"(\\w[\\w-]*)\" data-question=\"([^\"]+)\" data-n=\"(\\d+)\" "
        + "data-mean-percent=\"([^\"]*)\" data-low-percent=\"([^\"]*)\" data-high-percent=\"([^\"]*)\"").matcher(answer);
    List<String> questions = new ArrayList<>();
    while (m.find()) {
      questions.add(m.group(2));
      assertEquals("3", m.group(3));
      for (int g = 4; g <= 6; g++) {
        assertTrue(Double.isFinite(Double.parseDouble(m.group(g))), m.group(0));
      }
    }
    assertEquals(List.of("np vs dense", "np vs best MoE", "best MoE vs dense"), questions);
    assertTrue(answer.contains("np is 3.1% below dense in test bits per byte (-0.1000 bits/byte; 95% CI 1.6% to "
        + "4.7% below, 3 seeds)."), answer);
    assertTrue(answer.contains("Three seeds give a wide interval"));
    assertTrue(answer.contains("The best MoE (moe-aux)"), "moe-lossfree has no ok run, moe-aux is the best MoE");
    assertTrue(answer.contains("<b>gpt2</b>"), "the init scheme is echoed");
    assertTrue(answer.contains(ResultsFixtures.RULE), "the divergence rule is echoed");
  }

  @Test
  void thePageRecomputesTheAnswerFromTheRuns() {
    ObjectNode doc = (ObjectNode) json();
    ((ObjectNode) doc.withArray("answer").get(0)).put("sentence", "a stale sentence");
    String html = ReportPage.render(doc);
    assertFalse(html.contains("a stale sentence"));
    assertTrue(html.contains("np is 3.1% below dense"));
  }

  @Test
  void aResultsFileWithoutAnAnswerStillRendersOne(@TempDir Path dir) throws Exception {
    ObjectNode doc = (ObjectNode) json();
    doc.remove("answer");
    new ObjectMapper().writeValue(dir.resolve("results.json").toFile(), doc);
    ReportPage.writeReport(dir);
    assertTrue(Files.readString(dir.resolve("report.html")).contains("np is 3.1% below dense"));
  }

  @Test
  void divergedRunsAreRedInTheTablesAndListedWithStepAndReason() {
    String html = page();
    String runs = between(html, "<table class=\"runs\">", "</table>");
    assertEquals(3, runs.split("<tr class=\"not-ok\">", -1).length - 1, "three red rows");
    assertTrue(runs.contains("moe-lossfree</td><td>2</td><td>diverged at step 7</td>"), runs);
    assertTrue(summaryRow(html, "moe-lossfree").contains("0/3 ok, 3 diverged"), summaryRow(html, "moe-lossfree").toString());
    assertTrue(between(html, "<table class=\"summary\">", "</table>").contains("<tr class=\"not-ok\">"));
    String list = between(html, "<section id=\"not-ok\">", "</section>");
    for (int s = 1; s <= 3; s++) {
      assertTrue(list.contains("<li data-arm=\"moe-lossfree\" data-seed=\"" + s + "\" data-status=\"diverged\"><b>"
          + "moe-lossfree / seed " + s + "</b>: diverged at step 7"), list);
    }
    assertTrue(list.contains("training cross-entropy became NaN at step 7"), "the reason");
    assertTrue(between(html, "<table class=\"balance moe\">", "</table>").contains("no ok run"),
        "an MoE arm without an ok run still has its row in the test-balance table");
  }

  @Test
  void softUsageIsNeverInTheMaxVioColumn() {
    String html = page();
    List<String> header = List.of(between(html, "<table class=\"summary\">", "</thead>").split("</th>"));
    int maxVio = indexOf(header, "MoE MaxVio");
    int soft = indexOf(header, "NP soft usage");
    // the NP's own max_vio_global is 0.05 and its ᾱ = 0.1..0.4 gives max/mean − 1 = 0.6; moe-aux's MaxVio is 1.25
    assertEquals("-", summaryRow(html, "np").get(maxVio), summaryRow(html, "np").toString());
    assertEquals("0.600", summaryRow(html, "np").get(soft));
    assertEquals("1.250", summaryRow(html, "moe-aux").get(maxVio));
    assertEquals("-", summaryRow(html, "moe-aux").get(soft));
    String npTable = between(html, "<table class=\"balance np\">", "</table>");
    assertTrue(npTable.contains("soft usage ᾱ per group") && npTable.contains("0.100 0.200 0.300 0.400"), npTable);
    assertFalse(npTable.contains("MaxVio"));
    String moeTable = between(html, "<table class=\"balance moe\">", "</table>");
    for (String column : List.of("CV", "normalised entropy", "MaxVio per batch", "MaxVio global",
        "dropped token-slots")) {
      assertTrue(moeTable.contains("<th>" + column + "</th>"), column);
    }
    assertTrue(moeTable.contains("<td>1.500</td><td>1.250</td><td>0.010</td>"), "per batch, global, dropped");
  }

  private static int indexOf(List<String> header, String start) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).replaceAll("<[^>]*>", "").strip().startsWith(start)) {
        return i;
      }
    }
    throw new AssertionError("no column " + start);
  }

  @Test
  void noNumberPrintsAsANegativeZero() {
    String html = page();
    assertFalse(html.replaceAll("(?s)<script.*?</script>", "").matches("(?s).*-0\\.0+\\b.*"), "a signed zero");
    assertTrue(html.contains("np / seed 1: 0.0000 nats"), "the NP's shuffled-context increase of -1e-6");
  }

  @Test
  void everyArmHasOneFixedColourAndRedIsNoArmsColour() throws Exception {
    String html = page();
    JsonNode colours = new ObjectMapper().readTree(between(html, "<script id=\"arm-colours\" type=\"application/json\">",
        "</script>").replaceFirst("^<script[^>]*>", ""));
    assertEquals("#4e79a7", colours.get("dense").asText(), "dense is blue in every report");
    for (String arm : List.of("dense", "moe-aux", "moe-lossfree", "np")) {
      String c = colours.get(arm).asText();
      assertFalse(c.equalsIgnoreCase("#c00000"), arm);
      assertTrue(html.contains("<td class=\"arm\"><span class=\"swatch\" style=\"background:" + c + "\"></span>" + arm
          + "</td>"), "the tables use the charts' colour for " + arm);
    }
  }

  @Test
  void aResultsFileOfAnotherSchemaVersionIsRefusedWithItsVersion(@TempDir Path dir) throws Exception {
    ObjectNode doc = (ObjectNode) json();
    doc.put("schema_version", 1);
    new ObjectMapper().writeValue(dir.resolve("results.json").toFile(), doc);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportPage.writeReport(dir));
    assertTrue(e.getMessage().contains("schema_version 1") && e.getMessage().contains("reads version 2"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("report.html")));
  }
}
