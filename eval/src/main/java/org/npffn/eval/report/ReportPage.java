package org.npffn.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.html.HtmlEscapers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.io.JsonDifferences;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.Decimals;
import org.npffn.eval.results.InitSensitivity;
import org.npffn.eval.results.PairedDifference;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.results.StatedAnswer;

/**
 * report.html: one self-contained page (ECharts' JS and the results inlined, nothing fetched) rendered from a
 * results.json. The tables are static HTML, so they read even where scripts do not run; report.js draws
 * the charts from the inlined results.
 */
public final class ReportPage {
  /** The ECharts build inlined into the page, from the org.webjars.npm:echarts jar. */
  static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportPage() {}

  /**
   * Validates {@code dir}/results.json and writes {@code dir}/report.html atomically.
   *
   * @throws IllegalArgumentException when results.json is missing, unreadable or does not match the schema
   */
  public static Path writeReport(Path dir) throws IOException {
    return writeReport(dir, List.of());
  }

  /**
   * Same, with an "Across initialisations" section built from the compares in {@code otherInits}: the same
   * comparison as {@code dir}'s (arms, seeds, training and FFN settings, text) under other --init schemes.
   *
   * @throws IllegalArgumentException as above for any of the directories, or when another directory's
   *     comparison differs from {@code dir}'s in more than its init (naming the differences)
   */
  public static Path writeReport(Path dir, List<Path> otherInits) throws IOException {
    JsonNode results = read(dir);
    Map<String, List<RunResult>> byInit = new LinkedHashMap<>();
    if (!otherInits.isEmpty()) {
      byInit.put(initOf(results), typed(results).runs());
      for (Path other : otherInits) {
        JsonNode o = read(other);
        List<String> differences = JsonDifferences.between(withoutInit(results.get("config")),
            withoutInit(o.get("config")));
        if (!differences.isEmpty()) {
          throw new IllegalArgumentException(other + " is not the same comparison as " + dir + " under another "
              + "--init: " + String.join(", ", differences.subList(0, Math.min(3, differences.size()))));
        }
        if (byInit.put(initOf(o), typed(o).runs()) != null) {
          throw new IllegalArgumentException(other + " repeats --init " + initOf(o) + "; give each scheme once");
        }
      }
    }
    String html = render(results, byInit.isEmpty() ? null : InitSensitivity.of(byInit));
    return AtomicFiles.replace(dir.resolve("report.html"), f -> Files.writeString(f, html));
  }

  /** {@code dir}/results.json, checked against the schema. */
  private static JsonNode read(Path dir) throws IOException {
    Path file = dir.resolve("results.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no results.json in " + dir + " (run np-eval compare --out " + dir + ")");
    }
    JsonNode results;
    try {
      results = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (results == null || !results.isObject()) {
      throw new IllegalArgumentException(file + " is not a JSON object");
    }
    JsonNode version = results.get("schema_version");
    if (version == null || version.asInt() != CompareResults.SCHEMA_VERSION) {
      throw new IllegalArgumentException(file + " has schema_version " + version + "; this np-eval reads version "
          + CompareResults.SCHEMA_VERSION + " (docs/report.md): run the compare again with this version");
    }
    List<String> problems = new ResultsSchema().problems(results);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(file + " does not match the results schema (docs/report.md): "
          + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
          + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more)" : ""));
    }
    return results;
  }

  private static String initOf(JsonNode results) {
    return results.at("/config/training/init").asText();
  }

  private static JsonNode withoutInit(JsonNode config) {
    ObjectNode c = config.deepCopy();
    if (c.get("training") instanceof ObjectNode t) {
      t.remove("init");
    }
    return c;
  }

  /**
   * The page for a results document that matches the schema. The stated answer is computed again from the
   * runs ({@link StatedAnswer}), so a page rendered from an edited or merged results.json states what its runs
   * say; the charts read the same recomputed answer.
   */
  public static String render(JsonNode r) {
    return render(r, null);
  }

  /** Same, with the "Across initialisations" section when {@code inits} is not null. */
  static String render(JsonNode r, InitSensitivity inits) {
    CompareResults typed = typed(r);
    List<PairedDifference> answer = StatedAnswer.of(typed.runs());
    ArmColours colours = new ArmColours(typed.summary().stream().map(CompareResults.ArmSummary::arm).toList());
    ObjectNode inlined = r.deepCopy();
    inlined.set("answer", ResultsJson.mapper().valueToTree(answer));
    StringBuilder h = new StringBuilder(1 << 20);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>npffn compare report, ").append(esc(r.get("date").asText())).append("</title>\n<style>")
        .append(resource("report.css")).append("</style>\n</head>\n<body>\n");
    h.append("<h1>Dense vs MoE vs Neural-Process FFN</h1>\n<p class=\"meta\">")
        .append(esc(r.get("date").asText())).append(" · <code>np-eval ").append(esc(r.get("command").asText()))
        .append("</code> · preset <b>").append(esc(r.get("preset").asText())).append("</b> · seeds ")
        .append(esc(r.get("seeds").toString())).append("</p>\n");
    AnswerSection.render(h, answer, r);
    if (inits != null) {
      InitSection.render(h, inits);
    }
    RunsSection.summary(h, typed, colours);
    RunsSection.notOk(h, typed);
    h.append("<h2>Perplexity and bits per byte</h2>\n<p class=\"note\">Large dot: mean over the ok seeds, with "
            + "its 95% interval as whiskers (3 or more seeds); small rings: the single seeds; a red cross on an "
            + "arm's axis label: its diverged or failed runs. The axis is fitted to the whiskers, not to zero: "
            + "read the numbers, not the heights.</p>\n")
        .append("<div class=\"row\"><div id=\"chart-test-bpb\" class=\"cell\"></div>")
        .append("<div id=\"chart-test-ppl\" class=\"cell\"></div>")
        .append("<div id=\"chart-val-ppl\" class=\"cell\"></div></div>\n");
    RunsSection.runs(h, typed, colours);
    ContinuationsSection.render(h, typed, colours);
    h.append("<h2>Training</h2>\n<div id=\"chart-curves\" class=\"row\"></div>\n")
        .append("<h2>Loss against position</h2>\n<div id=\"chart-position\"></div>\n")
        .append("<h2>NP at inference top-k</h2>\n<div id=\"chart-topk\"></div>\n").append(shuffledContext(r));
    BalanceSection.render(h, typed, colours);
    h.append("<div id=\"chart-balance-test\" class=\"row\"></div>\n")
        .append("<h2>Balance over training</h2>\n<div id=\"chart-balance\" class=\"row\"></div>\n")
        .append("<h2>Specialisation by language</h2>\n<div id=\"chart-languages\" class=\"row\"></div>\n")
        .append("<h2>Expert similarity</h2>\n<div id=\"chart-similarity\"></div>\n");
    corpus(h, r);
    h.append("<h2>Configuration</h2>\n<pre>").append(esc(pretty(r.get("config")))).append("</pre>\n<p>")
        .append(esc(r.get("optimizer").asText())).append("</p>\n");
    h.append("<script id=\"results\" type=\"application/json\">").append(scriptSafe(inlined.toString()))
        .append("</script>\n<script id=\"arm-colours\" type=\"application/json\">")
        .append(scriptSafe(JSON.valueToTree(colours.asMap()).toString())).append("</script>\n<script>")
        .append(scriptSafe(classpath(ECHARTS))).append("</script>\n<script>")
        .append(resource("chart-kit.js")).append("</script>\n<script>")
        .append(resource("report.js")).append("</script>\n</body></html>\n");
    return h.toString();
  }

  private static CompareResults typed(JsonNode r) {
    try {
      return ResultsJson.mapper().treeToValue(r, CompareResults.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("results.json matches the schema but not this version's records: "
          + e.getOriginalMessage(), e);
    }
  }

  /** The NP runs' loss increase when r is shuffled between sequences (how much they use their context). */
  private static String shuffledContext(JsonNode r) {
    StringBuilder items = new StringBuilder();
    for (JsonNode run : r.get("runs")) {
      JsonNode v = run.get("shuffled_context_loss_increase");
      if (v != null && v.isNumber()) {
        items.append(items.length() > 0 ? "; " : "").append(esc(run.get("arm").asText())).append(" / seed ")
            .append(run.get("seed")).append(": ").append(Decimals.signed(v.asDouble(), 4)).append(" nats");
      }
    }
    return items.length() == 0 ? "" : "<p>Test loss with each sequence given the next sequence's context summary r, "
        + "minus the test loss (near 0: the NP ignores its context): " + items + ".</p>\n";
  }

  private static void corpus(StringBuilder h, JsonNode r) {
    JsonNode c = r.get("corpus");
    h.append("<h2>Data</h2>\n<p>").append(esc(c.get("source").asText())).append(". Split: ")
        .append(esc(c.get("split_rule").asText())).append(".</p>\n<table><thead><tr><th>part</th>")
        .append("<th>documents</th><th>bytes</th></tr></thead><tbody>\n");
    for (Iterator<Map.Entry<String, JsonNode>> it = c.get("split").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>")
          .append(String.format("%,d", e.getValue().get("documents").asLong())).append("</td><td>")
          .append(String.format("%,d", e.getValue().get("bytes").asLong())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
    JsonNode langs = c.get("test_languages");
    if (langs.isEmpty()) {
      h.append("<p class=\"none\">no language detection in this run</p>\n");
    } else {
      h.append("<p>Test documents by detected language: ");
      StringBuilder list = new StringBuilder();
      langs.fields().forEachRemaining(e -> list.append(list.length() > 0 ? ", " : "").append(esc(e.getKey()))
          .append(" ").append(e.getValue().asInt()));
      h.append(list).append("</p>\n");
    }
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }

  /** Text inside a script element must not close it: "</" becomes "<\/" (the same string in JS and JSON). */
  static String scriptSafe(String text) {
    return text.replace("</", "<\\/").replace("<!--", "<\\!--");
  }

  private static String pretty(JsonNode n) {
    try {
      return JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) {
    return read(ReportPage.class.getResourceAsStream(name), name);
  }

  private static String classpath(String path) {
    return read(ReportPage.class.getClassLoader().getResourceAsStream(path), path);
  }

  private static String read(InputStream in, String name) {
    if (in == null) {
      throw new IllegalStateException(name + " is missing from the classpath");
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
