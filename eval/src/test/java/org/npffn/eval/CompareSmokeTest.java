package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.compare.ResultTables;
import org.npffn.eval.report.ResultsSchema;
import org.npffn.eval.results.CompareResults;

/** End to end: compare --preset smoke trains the four default arms and writes strict JSON, CSVs and the summary. */
class CompareSmokeTest {
  @TempDir
  Path dir;

  @Test
  void smokeCompareWritesEveryArmWithFinitePerplexity() throws Exception {
    assertEquals(0, NpEval.run("compare", "--preset", "smoke", "--steps", "30", "--seeds", "1", "--out", dir.toString()));
    JsonNode doc = new ObjectMapper().readTree(dir.resolve("results.json").toFile()); // strict: no NaN tokens
    assertEquals(CompareResults.SCHEMA_VERSION, doc.get("schema_version").asInt());
    JsonNode runs = doc.get("runs");
    List<String> names = List.of("dense", "moe-aux", "moe-relu", "np");
    assertEquals(4, runs.size());
    for (int i = 0; i < 4; i++) {
      JsonNode r = runs.get(i);
      assertEquals(names.get(i), r.get("arm").asText());
      assertEquals("ok", r.get("status").asText());
      double ppl = r.at("/test/perplexity").asDouble();
      assertTrue(Double.isFinite(ppl) && ppl > 1 && ppl < 256, names.get(i) + " perplexity " + ppl);
      assertTrue(r.get("parameters").asLong() >= r.get("active_parameters").asLong());
      assertEquals(32, r.get("loss_by_position").size(), "one loss per position of T = 32");
      assertFalse(r.get("training_curve").isEmpty());
      assertEquals(30, r.get("steps_done").asInt());
    }
    JsonNode moeLayer = runs.get(1).at("/layers/0");
    assertEquals("moe", moeLayer.get("kind").asText());
    assertTrue(moeLayer.at("/test/max_vio_global").asDouble() >= 0);
    assertFalse(moeLayer.get("training").isEmpty(), "balance over training is recorded");
    assertEquals("dense", runs.get(0).at("/layers/0/kind").asText());
    assertTrue(runs.get(0).at("/layers/0/test").isNull());
    assertEquals(7, runs.get(3).get("top_k").size(), "k = 1, 2, 4 both ways and k = M");
    assertTrue(runs.get(3).get("shuffled_context_loss_increase").isNumber());
    // the ReLU-routed MoE: sparsity, active experts, λ and the logit shift over training and on the test set; the top-k arms'
    // training points leave these optional fields out
    JsonNode reluLayer = runs.get(2).at("/layers/0");
    for (JsonNode p : reluLayer.get("training")) {
      double sparsity = p.get("relu_sparsity").asDouble();
      assertTrue(sparsity >= 0 && sparsity <= 1, "sparsity " + sparsity);
      assertEquals(8 * (1 - sparsity), p.get("active_experts").asDouble(), 1e-9, "E·(1 - S)");
      assertTrue(p.get("relu_lambda").asDouble() > 0);
      // the shift starts at 0 and moves by at most γ_b = 0.01 per step
      double shift = p.get("relu_shift").asDouble();
      assertTrue(Math.abs(shift) <= 0.01 * p.get("step").asInt() + 1e-6, "shift " + shift);
    }
    assertTrue(reluLayer.at("/test/scalars/relu_sparsity").isNumber());
    assertTrue(reluLayer.at("/test/scalars/active_experts_hist_0").isNumber());
    assertFalse(moeLayer.get("training").get(0).has("relu_sparsity"), "optional: ReLU-routed layers only");
    assertTrue(runs.get(0).get("shuffled_context_loss_increase").isNull());
    assertTrue(runs.get(1).at("/layers/0/similarity").isNumber(), "MoE experts' similarity");
    assertFalse(doc.at("/corpus/test_languages").isEmpty(), "test documents' languages detected");
    assertFalse(runs.get(1).at("/layers/0/language_usage").isEmpty());
    assertEquals(30, doc.at("/config/training/steps").asInt());
    assertEquals(4, doc.get("summary").size());
    assertEquals(1, doc.at("/summary/0/test_perplexity/n").asInt());
    assertTrue(doc.at("/summary/0/test_perplexity/low").isNull(), "no interval from one seed");
    assertEquals(List.of(), new ResultsSchema().problems(doc), "results.json matches its schema");
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("<script id=\"results\" type=\"application/json\">"));
    assertFalse(html.contains("<script src"), "self-contained: no external scripts");
    assertFalse(html.matches("(?s).*<link[^>]+href=\"https?:.*"), "self-contained: no external styles");
    assertTrue(html.contains(">moe-aux</td>"), "the summary table lists every arm");
    assertTrue(html.contains(">moe-relu</td>"), "the summary table lists every arm");
    assertTrue(html.contains("<th>ReLU sparsity</th>"), "the balance table has the ReLU arm's sparsity");
    for (String csv : ResultTables.FILES) {
      assertTrue(Files.exists(dir.resolve(csv)), csv);
    }
    assertEquals(5, Files.readAllLines(dir.resolve("perplexity.csv")).size());
  }

  @Test
  void optionsCanComeFromAFileAndAreEchoedInTheResults() throws Exception {
    Path options = dir.resolve("run.args");
    Files.writeString(options, "--preset smoke\n--seeds 1\n--steps 3\n--arms np\n--np-context-mode TOKEN\n--eval-tokens 512\n");
    Path out = dir.resolve("out");
    assertEquals(0, NpEval.run("compare", "@" + options, "--out", out.toString()));
    JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertEquals("TOKEN", doc.at("/config/ffn/np_context_mode").asText());
    assertEquals(3, doc.at("/config/training/steps").asInt());
    assertEquals(0.01, doc.at("/config/ffn/bias_rate").asDouble(), 0, "defaults are echoed too");
  }

  @Test
  void unknownArmIsRefusedWithExitTwo() {
    assertEquals(2, NpEval.run(new PrintWriter(new StringWriter()), "compare", "--arms", "dense,gpt",
        "--out", dir.toString()));
    assertTrue(!Files.exists(dir.resolve("results.json")));
  }

  @Test
  void aPreviousRunIsNotOverwrittenWithoutResume() throws Exception {
    assertEquals(0, NpEval.run("compare", "--preset", "smoke", "--steps", "4", "--seeds", "1", "--arms", "dense", "--eval-tokens",
        "512", "--out", dir.toString()));
    byte[] before = Files.readAllBytes(dir.resolve("results.json"));
    StringWriter err = new StringWriter();
    assertEquals(2, NpEval.run(new PrintWriter(err, true), "compare", "--preset", "smoke", "--steps", "4", "--seeds", "1",
        "--arms", "dense", "--eval-tokens", "512", "--out", dir.toString()));
    assertTrue(err.toString().contains("--resume"), err.toString());
    assertEquals(new String(before), Files.readString(dir.resolve("results.json")));
  }
}
