package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.npffn.eval.ResultsFixtures.dense;
import static org.npffn.eval.ResultsFixtures.diverged;
import static org.npffn.eval.ResultsFixtures.np;
import static org.npffn.eval.ResultsFixtures.ok;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.npffn.eval.report.ReportPage;
import org.npffn.eval.report.ResultsSchema;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.Continuations;
import org.npffn.eval.results.Continuations.ArmContinuations;
import org.npffn.eval.results.Continuations.ByteText;
import org.npffn.eval.results.ResultsJson;

/**
 * results.json's optional "continuations" (written, validated and read back with and without it, and the schema
 * version unchanged) and the report's Continuations section (escaped text, a diverged arm's reason).
 */
class ContinuationsReportTest {
  private static final byte[] PROMPT = "Mr President, <the> ".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BROKEN = {'a', 'b', (byte) 0xFF, 'c', (byte) 0xC3};

  private static CompareResults withContinuations(Continuations c) {
    CompareResults r = ResultsFixtures.results("normal-0.02", List.of(ok("dense", 1, 3.2, dense()),
        diverged("np", 1, 7, np(0.5, 0.5))));
    return new CompareResults(r.schemaVersion(), r.date(), r.command(), r.preset(), r.config(), r.seeds(),
        r.corpus(), r.optimizer(), r.divergenceRule(), r.answer(), r.summary(), r.runs(), c);
  }

  private static Continuations continuations() {
    return new Continuations("the first test document", "greedy, and sampled", 5, List.of(ByteText.of(PROMPT)),
        List.of(ByteText.of("what follows".getBytes(StandardCharsets.UTF_8))), List.of(
            new ArmContinuations("dense", 1, "checkpoints/dense-seed1/model-step0000060.zip", null,
                List.of(ByteText.of(BROKEN)), List.of(ByteText.of("e &f".getBytes(StandardCharsets.UTF_8)))),
            ArmContinuations.none("np", 1, "np/seed 1 diverged at step 7: no trained model to continue with")));
  }

  @Test
  void theFieldRoundTripsAndValidates() throws Exception {
    CompareResults r = withContinuations(continuations());
    String json = ResultsJson.mapper().writeValueAsString(r);
    JsonNode tree = ResultsJson.mapper().readTree(json);
    assertEquals(CompareResults.SCHEMA_VERSION, tree.get("schema_version").asInt());
    assertEquals(List.of(), new ResultsSchema().problems(tree));
    assertEquals("ab\uFFFDc\uFFFD", tree.at("/continuations/arms/0/greedy/0/text").asText(), "lossy text for reading");
    Continuations back = ResultsJson.mapper().readValue(json, CompareResults.class).continuations();
    assertArrayEquals(BROKEN, back.arms().get(0).greedy().get(0).raw(), "exact bytes");
    assertArrayEquals(PROMPT, back.prompts().get(0).raw());
    assertEquals("np/seed 1 diverged at step 7: no trained model to continue with", back.arms().get(1).unavailable());
    assertEquals(json, ResultsJson.mapper().writeValueAsString(ResultsJson.mapper().readValue(json,
        CompareResults.class)));
  }

  @Test
  void withoutTheFieldTheFileStillValidatesAndLoads() throws Exception {
    CompareResults r = withContinuations(null);
    String json = ResultsJson.mapper().writeValueAsString(r);
    JsonNode tree = ResultsJson.mapper().readTree(json);
    assertFalse(tree.has("continuations"), "left out, not null: " + json.substring(0, 200));
    assertEquals(List.of(), new ResultsSchema().problems(tree));
    assertNull(ResultsJson.mapper().readValue(json, CompareResults.class).continuations());
    String page = ReportPage.render(tree);
    assertTrue(page.contains("This results.json has no continuations"), "the section says why it is empty");
  }

  @Test
  void aBadByteValueIsRefusedBySchema() {
    JsonNode tree = ResultsJson.mapper().valueToTree(withContinuations(continuations()));
    ((com.fasterxml.jackson.databind.node.ArrayNode) tree.at("/continuations/arms/0/greedy/0/bytes")).set(0, 300);
    assertTrue(new ResultsSchema().problems(tree).stream().anyMatch(p -> p.contains("continuations")),
        new ResultsSchema().problems(tree).toString());
  }

  @Test
  void theSectionShowsEscapedTextAndWhyADivergedArmHasNone() {
    String page = ReportPage.render(ResultsJson.mapper().valueToTree(withContinuations(continuations())));
    int section = page.indexOf("<section id=\"continuations\">");
    assertTrue(section > 0);
    String s = page.substring(section, page.indexOf("</section>", section));
    assertTrue(s.contains("Mr President, &lt;the&gt; "), "the prompt, HTML-escaped: " + s);
    assertTrue(s.contains("what follows"), "what the test text says next");
    assertTrue(s.contains("ab<span class=\"byte\">\\xFF</span>c<span class=\"byte\">\\xC3</span>"),
        "bytes that are not UTF-8 as \\xNN: " + s);
    assertTrue(s.contains("e &amp;f"));
    assertTrue(s.contains("no continuation: np/seed 1 diverged at step 7: no trained model to continue with"), s);
  }
}
