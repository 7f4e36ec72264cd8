package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.npffn.eval.ResultsFixtures.dense;
import static org.npffn.eval.ResultsFixtures.moe;
import static org.npffn.eval.ResultsFixtures.np;
import static org.npffn.eval.ResultsFixtures.ok;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.report.ReportPage;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.InitSensitivity;
import org.npffn.eval.results.InitSensitivity.Verdict;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;

/** Whether the stated answer holds under every --init scheme (report --other-inits). */
class InitSensitivityTest {
  @TempDir
  Path dir;

  /** Three seeds of dense, moe-aux and np with these test bits per byte per seed. */
  private static List<RunResult> runs(double[] dense, double[] moe, double[] np) {
    List<RunResult> runs = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      runs.add(ok("dense", s + 1, dense[s], dense()));
      runs.add(ok("moe-aux", s + 1, moe[s], moe(1, 2, 3, 4)));
      runs.add(ok("np", s + 1, np[s], np(0.25, 0.25, 0.25, 0.25)));
    }
    return runs;
  }

  // moe clearly below dense, np clearly below dense and np between them
  private static final List<RunResult> MOE_AHEAD = runs(new double[] {3.50, 3.51, 3.49},
      new double[] {3.40, 3.41, 3.39}, new double[] {3.45, 3.46, 3.44});
  // the fan-in story: dense and np ahead of the MoE
  private static final List<RunResult> MOE_BEHIND = runs(new double[] {3.50, 3.51, 3.49},
      new double[] {3.60, 3.61, 3.59}, new double[] {3.45, 3.46, 3.44});

  @Test
  void aVerdictThatFlipsBetweenSchemesIsSaidToDependOnTheInit() {
    Map<String, List<RunResult>> byInit = new LinkedHashMap<>();
    byInit.put("normal-0.02", MOE_AHEAD);
    byInit.put("fan-in", MOE_BEHIND);
    InitSensitivity s = InitSensitivity.of(byInit);
    assertEquals(List.of("normal-0.02", "fan-in"), s.inits());
    assertTrue(s.anyDepends());
    InitSensitivity.Question npVsDense = s.questions().get(0);
    assertEquals("np vs dense", npVsDense.question());
    assertEquals(List.of(Verdict.BELOW, Verdict.BELOW), npVsDense.verdicts());
    assertFalse(npVsDense.dependsOnInit());
    InitSensitivity.Question moeVsDense = s.questions().get(2);
    assertEquals("best MoE vs dense", moeVsDense.question());
    assertEquals(List.of(Verdict.BELOW, Verdict.ABOVE), moeVsDense.verdicts());
    assertTrue(moeVsDense.dependsOnInit());
    assertTrue(moeVsDense.sentence().endsWith("The verdict depends on the initialisation."), moeVsDense.sentence());
  }

  @Test
  void theSameRankingUnderEverySchemeIsSaidToHold() {
    Map<String, List<RunResult>> byInit = new LinkedHashMap<>();
    byInit.put("normal-0.02", MOE_AHEAD);
    byInit.put("gpt2", MOE_AHEAD);
    InitSensitivity s = InitSensitivity.of(byInit);
    assertFalse(s.anyDepends());
    assertEquals(3, s.questions().size());
  }

  private Path compare(String name, String init, List<RunResult> runs) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    CompareResults r = ResultsFixtures.results(init, runs);
    ResultsJson.mapper().writeValue(d.resolve("results.json").toFile(), r);
    return d;
  }

  @Test
  void theReportGainsTheSectionAndRefusesAnotherComparison() throws IOException {
    Path normal = compare("normal", "normal-0.02", MOE_AHEAD);
    Path fanIn = compare("fan-in", "fan-in", MOE_BEHIND);
    ReportPage.writeReport(normal, List.of(fanIn));
    String html = Files.readString(normal.resolve("report.html"));
    assertTrue(html.contains("<h2>Across initialisations</h2>"), "the section is there");
    assertTrue(html.contains("The answer depends on the initialisation"));
    assertTrue(html.contains("<tr class=\"depends\" data-question=\"best MoE vs dense\">"));
    IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
        () -> ReportPage.writeReport(normal, List.of(compare("again", "normal-0.02", MOE_AHEAD))));
    assertTrue(same.getMessage().contains("repeats --init normal-0.02"), same.getMessage());
    Path longer = compare("longer", "gpt2", MOE_AHEAD);
    ObjectNode doc = (ObjectNode) ResultsJson.mapper().readTree(longer.resolve("results.json").toFile());
    ((ObjectNode) doc.at("/config/training")).put("steps", 61);
    ResultsJson.mapper().writeValue(longer.resolve("results.json").toFile(), doc);
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> ReportPage.writeReport(normal, List.of(longer)));
    assertTrue(other.getMessage().contains("not the same comparison") && other.getMessage()
        .contains("training.steps: 60 vs 61"), other.getMessage());
  }
}
