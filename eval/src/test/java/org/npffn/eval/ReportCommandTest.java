package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.compare.ArmSummaries;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.PairedDifference;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.results.StatedAnswer;

/**
 * np-eval report DIR: re-renders report.html from results.json, refuses a missing or invalid one without
 * touching the page, and the page draws all its charts in a real browser (headless Chromium): the stated
 * answer with three finite intervals, axes that hold every whisker, plain legends, one colour per arm, heatmap
 * scales with their real ends, and runs that diverged or failed marked in the charts.
 */
class ReportCommandTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  /** One small compare with dense, MoE and NP arms and three seeds, every run ok. */
  @TempDir
  static Path run;

  /** The same results with moe-aux seed 2 diverged and np seed 1 failed. */
  @TempDir
  static Path notOk;

  @BeforeAll
  static void compare() throws IOException {
    int code = NpEval.run(new PrintWriter(new StringWriter(), true), "compare", "--preset", "smoke", "--steps", "12",
        "--seeds", "3", "--eval-tokens", "2048", "--arms", "dense,moe-aux,np", "--out", run.toString());
    assertEquals(0, code);
    CompareResults all = ResultsJson.mapper().readValue(run.resolve("results.json").toFile(), CompareResults.class);
    List<RunResult> runs = new ArrayList<>();
    for (RunResult r : all.runs()) {
      if (r.arm().equals("moe-aux") && r.seed() == 2) {
        r = notOk(r, RunResult.DIVERGED, 7, "moe-aux/seed 2 diverged: training cross-entropy became NaN at step 7");
      } else if (r.arm().equals("np") && r.seed() == 1) {
        r = notOk(r, RunResult.FAILED, null, "np/seed 1 failed: out of memory (a test's invention)");
      }
      runs.add(r);
    }
    CompareResults edited = new CompareResults(all.schemaVersion(), all.date(), all.command(), all.preset(),
        all.config(), all.seeds(), all.corpus(), all.optimizer(), all.divergenceRule(), StatedAnswer.of(runs),
        ArmSummaries.of(runs), runs);
    ResultsJson.mapper().writeValue(notOk.resolve("results.json").toFile(), edited);
  }

  private static RunResult notOk(RunResult r, String status, Integer step, String error) {
    return new RunResult(r.arm(), r.seed(), status, error, step, step == null ? r.stepsDone() : step - 1, null,
        r.parameters(), r.activeParameters(), r.ffnFlopsPerToken(), r.tokensPerSecond(), r.seconds(),
        r.peakMemoryBytes(), null, null, r.trainingCurve(), r.validationCurve(), new double[0], List.of(), null,
        r.layers());
  }

  private static int report(Path dir, StringWriter err) {
    return NpEval.run(new PrintWriter(err, true), "report", dir.toString());
  }

  @Test
  void reRendersTheReportFromResults() throws IOException {
    Files.deleteIfExists(notOk.resolve("report.html"));
    assertEquals(0, report(notOk, new StringWriter()));
    String html = Files.readString(notOk.resolve("report.html"));
    assertTrue(html.contains("became NaN at step 7") && html.contains("diverged at step 7"),
        "diverged runs are listed with their step and reason");
    assertTrue(html.contains("out of memory (a test&#39;s invention)"), "failed runs are listed with their error");
    assertTrue(html.contains(" ± "), "three seeds give intervals");
  }

  @Test
  void theCompareWritesTheAnswerThePageStates() throws IOException {
    JsonNode doc = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(CompareResults.SCHEMA_VERSION, doc.get("schema_version").asInt());
    assertFalse(doc.get("divergence_rule").asText().isEmpty());
    JsonNode answer = doc.get("answer");
    assertEquals(3, answer.size());
    CompareResults typed = ResultsJson.mapper().treeToValue(doc, CompareResults.class);
    List<PairedDifference> again = StatedAnswer.of(typed.runs());
    for (int i = 0; i < 3; i++) {
      JsonNode p = answer.get(i);
      assertEquals(3, p.at("/difference_bits_per_byte/n").asInt());
      for (String end : List.of("mean", "low", "high")) {
        assertTrue(p.at("/difference_percent/" + end).isNumber(), p.toString());
      }
      assertEquals(again.get(i).sentence(), p.get("sentence").asText(), "rendering recomputes the same answer");
    }
  }

  @Test
  void aMissingResultsFileIsRefusedWithOneLine(@TempDir Path empty) {
    StringWriter err = new StringWriter();
    assertEquals(2, report(empty, err));
    assertTrue(err.toString().strip().lines().count() == 1 && err.toString().contains("no results.json"),
        err.toString());
    assertFalse(Files.exists(empty.resolve("report.html")));
  }

  @Test
  void anInvalidResultsFileIsRefusedAndTheOldPageKept(@TempDir Path dir) throws IOException {
    ObjectNode doc = (ObjectNode) new ObjectMapper().readTree(run.resolve("results.json").toFile());
    ((ObjectNode) doc.withArray("runs").get(0)).put("status", "exploded");
    new ObjectMapper().writeValue(dir.resolve("results.json").toFile(), doc);
    Files.writeString(dir.resolve("report.html"), "previous page");
    StringWriter err = new StringWriter();
    assertEquals(2, report(dir, err));
    assertTrue(err.toString().contains("$.runs[0].status"), err.toString());
    assertEquals("previous page", Files.readString(dir.resolve("report.html")));

    Files.writeString(dir.resolve("results.json"), "{\"schema_version\": 2, \"runs\": [");
    err = new StringWriter();
    assertEquals(2, report(dir, err));
    assertTrue(err.toString().contains("not valid JSON"), err.toString());
  }

  /** The page after its scripts ran, as headless Chromium serialises it. */
  private static String renderedDom(Path dir, Path profile) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed (apt-get install chromium): report not rendered");
    assertEquals(0, report(dir, new StringWriter()));
    Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--window-size=1400,2400", "--virtual-time-budget=15000", "--dump-dom",
        dir.resolve("report.html").toUri().toString()))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
    return dom;
  }

  /** Checks every chart has ink; returns how many there are. */
  private static int everyChartDrawn(String dom) {
    Matcher m = Pattern.compile("<body data-charts-expected=\"(\\d+)\" data-charts-drawn=\"(\\d+)\"").matcher(dom);
    assertTrue(m.find(), "the page script ran to the end: " + dom.substring(0, Math.min(300, dom.length())));
    int expected = Integer.parseInt(m.group(1));
    assertEquals(expected, Integer.parseInt(m.group(2)), "every chart has ink on its canvas");
    return expected;
  }

  private static JsonNode digest(String dom) throws IOException {
    Matcher m = Pattern.compile("(?s)<script[^>]*id=\"chart-digest\"[^>]*>(.*?)</script>").matcher(dom);
    assertTrue(m.find(), "the page wrote its chart digest");
    return new ObjectMapper().readTree(m.group(1));
  }

  private static List<JsonNode> charts(JsonNode digest, String kind) {
    List<JsonNode> out = new ArrayList<>();
    digest.forEach(c -> {
      if (kind.equals(c.path("kind").asText())) {
        out.add(c);
      }
    });
    return out;
  }

  @Test
  void theReportDrawsEveryChartInHeadlessChromium(@TempDir Path profile) throws Exception {
    String dom = renderedDom(run, profile);
    // answer, 3 dot plots, 2 curves, position, top-k, per routed arm a test heatmap, MoE and NP balance over
    // training, a training heatmap per routed layer, similarity (language heatmaps when languages were found)
    assertTrue(everyChartDrawn(dom) >= 15, "charts made");

    Matcher answer = Pattern.compile("<li class=\"[\\w-]+\" data-question=\"([^\"]+)\" data-n=\"(\\d+)\" "
        + "data-mean-percent=\"([^\"]*)\" data-low-percent=\"([^\"]*)\" data-high-percent=\"([^\"]*)\"").matcher(
        dom.substring(dom.indexOf("<section id=\"answer\">")));
    int comparisons = 0;
    while (answer.find() && comparisons < 3) {
      comparisons++;
      assertEquals("3", answer.group(2), answer.group(1));
      for (int g = 3; g <= 5; g++) {
        assertTrue(Double.isFinite(Double.parseDouble(answer.group(g))), answer.group(0));
      }
    }
    assertEquals(3, comparisons, "np vs dense, np vs best MoE, best MoE vs dense");

    JsonNode digest = digest(dom);
    JsonNode colours = new ObjectMapper().readTree(dom.replaceFirst("(?s).*<script id=\"arm-colours\" "
        + "type=\"application/json\">", "").replaceFirst("(?s)</script>.*", ""));
    Map<String, Set<String>> seen = new HashMap<>();
    for (JsonNode c : digest) {
      String title = c.get("title").asText();
      c.get("legendTypes").forEach(t -> assertEquals("plain", t.asText(), "legend not paged: " + title));
      c.get("colours").forEach(pair -> seen.computeIfAbsent(pair.get(0).asText(), a -> new TreeSet<>())
          .add(pair.get(1).asText()));
      boolean bars = false;
      for (JsonNode t : c.get("seriesTypes")) {
        bars |= t.asText().equals("bar");
      }
      if (bars) {
        assertTrue(c.at("/y/min").asDouble() <= 0, "bars start at zero: " + title);
      }
    }
    seen.forEach((arm, cs) -> assertEquals(Set.of(colours.get(arm).asText()), cs, "one colour for " + arm));
    assertEquals(Set.of("dense", "moe-aux", "np"), seen.keySet());

    List<JsonNode> dots = charts(digest, "dots");
    assertEquals(3, dots.size(), "test bits per byte, test and validation perplexity");
    for (JsonNode c : dots) {
      assertFalse(c.get("seriesTypes").toString().contains("bar"), "dots, not bars on a cut axis");
      assertTrue(c.get("whiskerLow").isNumber(), "three seeds give whiskers");
      assertTrue(c.at("/y/min").asDouble() < c.get("whiskerLow").asDouble()
          && c.at("/y/max").asDouble() > c.get("whiskerHigh").asDouble(), "whiskers inside the axis: " + c);
    }
    JsonNode answerChart = charts(digest, "answer").get(0);
    assertTrue(answerChart.at("/x/min").asDouble() < answerChart.get("whiskerLow").asDouble()
        && answerChart.at("/x/max").asDouble() > answerChart.get("whiskerHigh").asDouble(), answerChart.toString());

    JsonNode position = charts(digest, "position").get(0);
    int length = new ObjectMapper().readTree(run.resolve("results.json").toFile()).at("/config/training/length").asInt();
    assertEquals(length, position.at("/x/max").asInt(), "the position axis ends at T");
    assertEquals(length, position.get("T").asInt());

    List<JsonNode> heatmaps = charts(digest, "heatmap");
    assertTrue(heatmaps.size() >= 4, "test and training heatmaps of moe-aux and np");
    Map<String, Double> scale = new HashMap<>();
    for (JsonNode h : heatmaps) {
      double max = h.at("/visualMap/max").asDouble();
      assertTrue(max > 0 && max <= 1, h.toString());
      assertEquals(String.format("%.3f", max), h.at("/visualMap/text/0").asText(), "the scale's top end is its value");
      assertEquals("0.000", h.at("/visualMap/text/1").asText());
      assertEquals(max, scale.computeIfAbsent(h.get("metric").asText(), k -> max), 0, "one scale per metric");
      Set<String> names = Set.of(h.at("/x/name").asText(), h.at("/y/name").asText());
      assertTrue(names.contains("expert") || names.contains("group"), "axis titles: " + names);
      assertTrue(names.contains("layer") || names.contains("training step") || names.contains("language"),
          "axis titles: " + names);
    }
    assertTrue(scale.containsKey("moe-load") && scale.containsKey("np-soft"),
        "MoE load and NP soft usage have scales of their own: " + scale.keySet());
  }

  @Test
  void runsThatAreNotOkAreMarkedInTheChartsAndRedInTheTables(@TempDir Path profile) throws Exception {
    String dom = renderedDom(notOk, profile);
    everyChartDrawn(dom);
    JsonNode digest = digest(dom);
    for (JsonNode c : charts(digest, "dots")) {
      assertEquals(2, c.get("notOkMarked").asInt(), "a red cross per run that is not ok: " + c.get("title"));
    }
    for (JsonNode c : charts(digest, "curves")) {
      assertEquals(2, c.get("notOkMarked").asInt(), c.get("title").asText());
    }
    assertEquals(2, charts(digest, "position").get(0).get("notDrawn").size(), "the chart names what it leaves out");
    assertTrue(dom.contains("<section id=\"not-ok\">"));
    assertEquals(2, dom.split("<tr class=\"not-ok\">", -1).length - 1, "two red rows in the table of runs");
    Matcher answer = Pattern.compile("data-question=\"np vs dense\" data-n=\"(\\d+)\"").matcher(dom);
    assertTrue(answer.find());
    assertEquals("2", answer.group(1), "np's failed seed is not paired");
  }
}
