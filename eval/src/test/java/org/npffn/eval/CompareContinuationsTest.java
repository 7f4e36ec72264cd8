package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compare's continuations (results.json "continuations", the report's Continuations section): every arm's model
 * continues the same test prompts; np-eval generate on the compare directory gives the same bytes; a --resume of
 * the finished run writes them again, also into a results.json that had none.
 */
class CompareContinuationsTest {
  private static final String[] RUN = {"compare", "--preset", "smoke", "--steps", "20", "--seeds", "1", "--arms",
      "dense,np", "--eval-tokens", "512"};

  @TempDir
  static Path dir;

  static Path out;

  @BeforeAll
  static void compare() {
    out = dir.resolve("compare");
    assertEquals(0, run());
  }

  private static int run(String... extra) {
    List<String> args = new ArrayList<>(List.of(RUN));
    args.addAll(List.of("--out", out.toString()));
    args.addAll(List.of(extra));
    return NpEval.run(new PrintWriter(new StringWriter(), true), args.toArray(new String[0]));
  }

  private static JsonNode continuations() throws IOException {
    return new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("continuations");
  }

  private static byte[] bytes(JsonNode ints) {
    byte[] b = new byte[ints.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) ints.get(i).asInt();
    }
    return b;
  }

  @Test
  void everyArmContinuesThreeTestPromptsGreedyAndSampled() throws IOException {
    JsonNode c = continuations();
    assertNotNull(c, "results.json has continuations");
    assertEquals(3, c.get("prompts").size());
    assertEquals(3, c.get("followed_by").size());
    for (JsonNode p : c.get("prompts")) {
      assertTrue(p.get("bytes").size() > 0 && p.get("bytes").size() <= 16, "at most T/2 = 16 bytes: " + p);
    }
    assertEquals(2, c.get("arms").size());
    for (JsonNode arm : c.get("arms")) {
      assertTrue(arm.get("unavailable").isNull(), arm.toString());
      assertTrue(arm.get("model").asText().startsWith("checkpoints/" + arm.get("arm").asText() + "-seed1/"),
          arm.toString());
      for (String mode : new String[] {"greedy", "sampled"}) {
        assertEquals(3, arm.get(mode).size());
        for (JsonNode t : arm.get(mode)) {
          assertEquals(160, t.get("bytes").size(), "160 new bytes, sliding past T = 32");
        }
      }
    }
    String page = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(page.contains("<section id=\"continuations\">"), "the report shows them");
  }

  /** The report's continuations are what np-eval generate writes with the settings the report states. */
  @Test
  void generateOnTheCompareDirectoryGivesTheSameBytes() throws IOException {
    JsonNode c = continuations();
    JsonNode np = c.get("arms").get(1);
    assertEquals("np", np.get("arm").asText());
    String prompt = c.at("/prompts/1/text").asText();
    byte[] greedy = GenerateCommandTest.generate("--model", out.toString(), "--arm", "np", "--prompt", prompt,
        "--greedy", "--max-new", "160", "--sliding-window").generated();
    assertEquals(new String(bytes(np.at("/greedy/1/bytes")), StandardCharsets.ISO_8859_1),
        new String(greedy, StandardCharsets.ISO_8859_1));
    byte[] sampled = GenerateCommandTest.generate("--model", out.toString(), "--arm", "np", "--prompt", prompt,
        "--temperature", "0.8", "--top-k", "40", "--top-p", "1", "--seed", "2", "--max-new", "160",
        "--sliding-window").generated();
    assertEquals(new String(bytes(np.at("/sampled/1/bytes")), StandardCharsets.ISO_8859_1),
        new String(sampled, StandardCharsets.ISO_8859_1));
  }

  @Test
  void aCompareRunOfSeveralArmsAsksForOne() {
    String line = GenerateCommandTest.generate("--model", out.toString(), "--prompt", "a").errorLine();
    assertTrue(line.contains("is a compare run of arms dense, np: pick one with --arm"), line);
    line = GenerateCommandTest.generate("--model", out.toString(), "--prompt", "a", "--arm", "moe-aux").errorLine();
    assertTrue(line.contains("--arm = moe-aux is not an arm of the compare run"), line);
  }

  @Test
  void resumingTheFinishedRunWritesThemAgainEvenIntoAnOlderResultsFile() throws IOException {
    JsonNode before = continuations();
    ObjectNode older = (ObjectNode) new ObjectMapper().readTree(out.resolve("results.json").toFile());
    older.remove("continuations");
    new ObjectMapper().writeValue(out.resolve("results.json").toFile(), older);
    assertEquals(0, run("--resume"));
    assertEquals(before, continuations());
  }
}
