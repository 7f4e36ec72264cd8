package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.report.ResultsSchema;

/**
 * Failures are visible and stay contained (issue 14): an exploding learning rate marks runs diverged (exit 3,
 * results and report still written), the logged training loss is a cross-entropy (never negative), and bad
 * input or an unwritable --out is refused with one line before anything is written.
 */
class HarnessFailureTest {
  private static final String[] SMALL = {"compare", "--preset", "smoke", "--steps", "40", "--eval-tokens", "1024"};

  @TempDir
  Path dir;

  private static int run(StringWriter err, List<String> base, String... more) {
    List<String> args = new java.util.ArrayList<>(base);
    args.addAll(List.of(more));
    return NpEval.run(new PrintWriter(err, true), args.toArray(new String[0]));
  }

  private static JsonNode results(Path out) throws IOException {
    return new ObjectMapper().readTree(out.resolve("results.json").toFile());
  }

  @Test
  void anExplodingLearningRateMarksEveryRunDivergedAndStillWritesTheReport() throws IOException {
    Path out = dir.resolve("lr1e9");
    StringWriter err = new StringWriter();
    int code = run(err, List.of(SMALL), "--lr", "1e9", "--seeds", "2", "--arms", "dense,moe-aux,np", "--out",
        out.toString());
    assertEquals(3, code, err.toString());
    JsonNode doc = results(out);
    assertEquals(List.of(), new ResultsSchema().problems(doc));
    assertEquals(6, doc.get("runs").size(), "every arm and seed ran, none took the others down");
    for (JsonNode r : doc.get("runs")) {
      assertEquals("diverged", r.get("status").asText(), r.toString());
      assertTrue(r.get("diverged_at").asInt() >= 1, r.toString());
      assertFalse(r.get("error").asText().isBlank());
    }
    assertTrue(Files.exists(out.resolve("report.html")));
    String last = err.toString().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(last.contains("6 run(s) diverged") && last.contains("moe-aux/seed 2"), last);
  }

  @Test
  void theLoggedTrainingLossIsACrossEntropyEvenWhenTrainingExplodes() throws IOException {
    // at --lr 10 the weights grow so fast that score minus a regularisation term read after the update went to
    // about -227: a cross-entropy is never negative
    Path out = dir.resolve("lr10");
    StringWriter err = new StringWriter();
    int code = run(err, List.of(SMALL), "--lr", "10", "--seeds", "1", "--arms", "dense,moe-aux", "--out",
        out.toString());
    JsonNode doc = results(out);
    for (JsonNode r : doc.get("runs")) {
      for (JsonNode p : r.get("training_curve")) {
        double loss = p.get("loss").asDouble();
        assertTrue(loss >= 0, r.get("arm").asText() + " step " + p.get("step") + " loss " + loss);
      }
    }
    assertEquals(3, code, "an exploding run is flagged: " + err);
  }

  @Test
  void aRefusedCorpusLeavesOutUntouched() throws IOException {
    Path bin = Files.write(dir.resolve("bin.dat"), new byte[] {0x00, (byte) 0xFE, 0x01});
    Path out = dir.resolve("out");
    StringWriter err = new StringWriter();
    assertEquals(2, run(err, List.of(SMALL), "--text", bin.toString(), "--out", out.toString()));
    assertFalse(Files.exists(out), "nothing written for a refused corpus");
    // and the next run in that directory is not refused for an option mismatch
    Path good = Files.writeString(dir.resolve("good.txt"), ("Lorem ipsum dolor sit amet, consectetur adipiscing "
        + "elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n").repeat(200));
    StringWriter second = new StringWriter();
    assertEquals(0, run(second, List.of("compare", "--preset", "smoke", "--steps", "2", "--eval-tokens", "1024"),
        "--text", good.toString(), "--seeds", "1", "--arms", "dense", "--out", out.toString()), second.toString());
  }

  @Test
  void aDirectoryOfTinyFilesIsRefusedNamingTheMinimum() throws IOException {
    Path tiny = Files.createDirectory(dir.resolve("tiny"));
    for (int i = 0; i < 30; i++) {
      Files.writeString(tiny.resolve("f" + i + ".txt"), "doc " + i + "\n");
    }
    Path out = dir.resolve("out");
    StringWriter err = new StringWriter();
    assertEquals(2, run(err, List.of(SMALL), "--text", tiny.toString(), "--out", out.toString()));
    String msg = err.toString().strip();
    assertEquals(1, msg.lines().count(), msg);
    assertTrue(msg.contains("too small") && msg.contains("minimum is 528") && msg.contains("B = 16, T = 32"), msg);
    assertFalse(Files.exists(out));
  }

  @Test
  void anUnwritableOutIsAUsageErrorNamingThePathAndWhy() {
    StringWriter err = new StringWriter();
    String out = "/proc/npffn-cannot-write-here";
    assertEquals(2, run(err, List.of(SMALL), "--arms", "dense", "--out", out));
    String msg = err.toString().strip();
    assertEquals(1, msg.lines().count(), msg);
    assertTrue(msg.startsWith("np-eval: error: --out = " + out + " cannot be written: "), msg);
  }

  @Test
  void sizesThatDoNotDivideAreRefusedNotTruncated() {
    Path out = dir.resolve("out");
    StringWriter err = new StringWriter();
    assertEquals(2, run(err, List.of(SMALL), "--hidden", "130", "--top-k", "4", "--out", out.toString()));
    assertTrue(err.toString().contains("--hidden = 130 is not divisible by --top-k = 4"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(err, List.of(SMALL), "--hidden", "132", "--top-k", "2", "--experts", "8", "--arms", "np",
        "--out", out.toString()));
    assertTrue(err.toString().contains("--hidden = 132 is not divisible by --experts = 8"), err.toString());
    assertFalse(Files.exists(out), "refused before anything is written");
  }
}
