package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.npffn.eval.ResultsFixtures.dense;
import static org.npffn.eval.ResultsFixtures.diverged;
import static org.npffn.eval.ResultsFixtures.moe;
import static org.npffn.eval.ResultsFixtures.np;
import static org.npffn.eval.ResultsFixtures.ok;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.npffn.eval.compare.SummaryTable;

/**
 * The table a compare ends with: an arm whose runs all diverged prints "-", never NaN; the NP's soft usage
 * has its own column and never lands in MaxVio's.
 */
class ReportConsoleTableTest {
  private static String table() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SummaryTable.print(ResultsFixtures.results("gpt2", List.of(ok("dense", 1, 3.3, dense()),
        ok("moe-aux", 1, 3.2, moe(100, 300, 200, 400)), ok("np", 1, 3.1, np(0.1, 0.2, 0.3, 0.4)),
        diverged("moe-lossfree", 1, 7, moe(1, 1, 1, 1)))), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anArmWhoseRunsAllDivergedPrintsDashesNotNaN() {
    String t = table();
    assertFalse(t.contains("NaN"), t);
    String line = t.lines().filter(l -> l.startsWith("moe-lossfree")).findFirst().orElseThrow();
    assertTrue(line.contains("0/1!"), line);
  }

  @Test
  void softUsageHasItsOwnColumnAndMaxVioIsTheMoesAlone() {
    String t = table();
    String header = t.lines().filter(l -> l.startsWith("arm")).findFirst().orElseThrow();
    assertTrue(header.contains(" MaxVio ") && header.contains(" soft use "), header);
    String np = t.lines().filter(l -> l.startsWith("np ")).findFirst().orElseThrow();
    String moe = t.lines().filter(l -> l.startsWith("moe-aux ")).findFirst().orElseThrow();
    // columns by position: MaxVio ends where its header ends, and soft use after it
    int maxVioEnd = header.indexOf("MaxVio") + 6;
    int softEnd = header.indexOf("soft use") + 8;
    assertEquals("-", np.substring(maxVioEnd - 8, maxVioEnd).strip(), "no MaxVio for the NP: " + np);
    assertEquals("1.250", moe.substring(maxVioEnd - 8, maxVioEnd).strip(), "the MoE's global MaxVio: " + moe);
    // the NP's ᾱ = 0.1..0.4: max/mean − 1 = 0.4/0.25 − 1
    assertEquals("0.600", np.substring(softEnd - 8, softEnd).strip(), np);
    assertEquals("-", moe.substring(softEnd - 8, softEnd).strip(), moe);
  }
}
