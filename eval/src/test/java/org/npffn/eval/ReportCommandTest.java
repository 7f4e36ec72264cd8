package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * np-eval report DIR: re-renders report.html from results.json, refuses a missing or invalid one without
 * touching the page, and the page draws all its charts in a real browser (headless Chromium).
 */
class ReportCommandTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @TempDir
  static Path run;

  /** One small compare with every kind of arm, three seeds (intervals) and a failed run. */
  @BeforeAll
  static void compare() throws IOException {
    int code = NpEval.run(new PrintWriter(new StringWriter(), true), "compare", "--preset", "smoke", "--steps", "12",
        "--seeds", "3", "--eval-tokens", "2048", "--arms", "dense,moe-aux,np", "--out", run.toString());
    assertEquals(0, code);
    ObjectNode doc = (ObjectNode) new ObjectMapper().readTree(run.resolve("results.json").toFile());
    ObjectNode failed = (ObjectNode) doc.withArray("runs").get(1);
    failed.put("status", "failed").put("error", "moe-aux/seed 2: training loss became NaN at step 9").putNull("test")
        .putNull("validation");
    new ObjectMapper().writeValue(run.resolve("results.json").toFile(), doc);
  }

  private static int report(Path dir, StringWriter err) {
    return NpEval.run(new PrintWriter(err, true), "report", dir.toString());
  }

  @Test
  void reRendersTheReportFromResults() throws IOException {
    Files.deleteIfExists(run.resolve("report.html"));
    assertEquals(0, report(run, new StringWriter()));
    String html = Files.readString(run.resolve("report.html"));
    assertTrue(html.contains("training loss became NaN at step 9"), "failed runs are listed with their error");
    assertTrue(html.contains(" ± "), "three seeds give intervals");
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

    Files.writeString(dir.resolve("results.json"), "{\"schema_version\": 1, \"runs\": [");
    err = new StringWriter();
    assertEquals(2, report(dir, err));
    assertTrue(err.toString().contains("not valid JSON"), err.toString());
  }

  @Test
  void theReportDrawsEveryChartInHeadlessChromium(@TempDir Path profile) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed (apt-get install chromium): report not rendered");
    assertEquals(0, report(run, new StringWriter()));
    Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--virtual-time-budget=15000", "--dump-dom",
        run.resolve("report.html").toUri().toString()))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
    Matcher m = Pattern.compile("<body data-charts-expected=\"(\\d+)\" data-charts-drawn=\"(\\d+)\"").matcher(dom);
    assertTrue(m.find(), "the page script ran to the end: " + dom.substring(0, Math.min(300, dom.length())));
    int expected = Integer.parseInt(m.group(1));
    // perplexity x2, training and validation curves, position, top-k, per routed arm a MaxVio chart and a
    // load heatmap per layer (moe-aux, np: 2 + 2)
    assertTrue(expected >= 10, "charts made: " + expected);
    assertEquals(expected, Integer.parseInt(m.group(2)), "every chart has ink on its canvas");
  }
}
