package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: compare --preset smoke trains all four arms and writes strict JSON and CSVs. */
class CompareSmokeTest {
  @TempDir
  Path dir;

  @Test
  void smokeCompareWritesEveryArmWithFinitePerplexity() throws Exception {
    assertEquals(0, NpEval.run("compare", "--preset", "smoke", "--steps", "30", "--out", dir.toString()));
    JsonNode doc = new ObjectMapper().readTree(dir.resolve("results.json").toFile()); // strict: no NaN tokens
    JsonNode arms = doc.get("arms");
    assertEquals(4, arms.size());
    List<String> names = List.of("dense", "moe-aux", "moe-lossfree", "np");
    for (int i = 0; i < 4; i++) {
      JsonNode a = arms.get(i);
      assertEquals(names.get(i), a.get("arm").asText());
      double ppl = Math.exp(a.get("testNats").asDouble());
      assertTrue(Double.isFinite(ppl) && ppl > 1 && ppl < 256, names.get(i) + " perplexity " + ppl);
      assertTrue(a.get("parameters").asLong() >= a.get("activeParameters").asLong());
    }
    assertTrue(arms.get(1).get("usage").get("block0.ffn").get("maxVioGlobal").asDouble() >= 0);
    assertEquals(4, arms.get(3).get("topKPerplexity").size());
    assertEquals(doc.at("/config/steps").asInt(), 30);
    assertEquals(5, Files.readAllLines(dir.resolve("perplexity.csv")).size());
  }

  @Test
  void unknownArmIsRefusedWithExitTwo() {
    assertEquals(2, NpEval.run(new java.io.PrintWriter(new java.io.StringWriter()), "compare", "--arms", "dense,gpt",
        "--out", dir.toString()));
    assertTrue(!Files.exists(dir.resolve("results.json")));
  }
}
