package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command writes the documented JSON shape (one quick repetition; speed is not asserted). */
class BenchCommandTest {
  @TempDir
  Path dir;

  @Test
  void writesMachineAndRows() throws IOException {
    Path json = dir.resolve("bench.json");
    assertEquals(0, NpEval.run("bench", "--json", json.toString(), "--cases", "dense-ffn", "--warmup", "0",
        "--warmup-seconds", "0", "--warmup-rounds", "1", "--repeats", "1"));
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertTrue(doc.at("/machine/gemm_gflops").asDouble() > 0);
    assertTrue(doc.at("/machine/cores").asInt() > 0);
    assertTrue(doc.at("/machine/date").asText().matches("\\d{4}-\\d{2}-\\d{2}"));
    assertEquals(1, doc.get("rows").size());
    JsonNode row = doc.get("rows").get(0);
    assertEquals("dense-ffn", row.get("case").asText());
    assertTrue(row.get("median_ms").asDouble() > 0 && row.get("gflops").asDouble() > 0);
    // checked against its reference: within the float32 tolerance, and not trivially (float against double)
    assertTrue(row.get("reference_ok").asBoolean());
    assertEquals(1e-4, row.get("reference_tolerance").asDouble(), 0);
    double err = row.get("reference_max_rel_error").asDouble();
    assertTrue(err > 0 && err <= 1e-4, row.toString());
    assertTrue(row.get("reference").asText().contains("double precision"));
    assertTrue(doc.at("/machine/gemm_reference_ok").asBoolean());
    // only the target that reads dense-ffn alone is checked
    assertEquals(1, doc.get("targets").size());
    JsonNode target = doc.get("targets").get(0);
    assertEquals("dense-ffn GFLOP/s / gemm GFLOP/s", target.get("target").asText());
    // medians over the median gemm; the decisive value is the fastest run over the fastest gemm
    assertEquals(row.get("fraction_of_gemm").asDouble(), target.get("value_medians").asDouble(), 1e-12);
    assertEquals("fastest runs", target.get("decided_on").asText());
    double fastest = row.get("gflops").asDouble() * row.get("median_ms").asDouble() / row.get("min_ms").asDouble();
    assertEquals(fastest / doc.at("/machine/gemm_gflops_fastest_run").asDouble(), target.get("value").asDouble(),
        1e-9);
    assertEquals(target.get("value").asDouble() >= 0.5, target.get("met").asBoolean());
    assertEquals(target.get("value_medians").asDouble() >= 0.5, target.get("met_on_medians").asBoolean());
  }

  @Test
  void aFailedReferenceExitsWithOneAndNamesTheCase() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    String line = "moe/E=8: reference MISMATCH: max relative error 1.00e-02 (y) exceeds tolerance 1e-04, against x";
    assertEquals(1, BenchCommand.exitCode(java.util.List.of(line), new java.io.PrintStream(err, true)));
    assertEquals("np-eval bench: FAILED " + line, err.toString().strip());
    assertEquals(0, BenchCommand.exitCode(java.util.List.of(), System.err));
  }

  @Test
  void badArgumentsExitWithTwo() {
    assertEquals(2, NpEval.run(new java.io.PrintWriter(new java.io.StringWriter()), "bench", "--repeats", "0"));
    assertEquals(2, NpEval.run(new java.io.PrintWriter(new java.io.StringWriter()), "bench", "--warmup-rounds",
        "-1"));
    java.io.StringWriter err = new java.io.StringWriter();
    assertEquals(2, NpEval.run(new java.io.PrintWriter(err), "bench", "--warmup-seconds", "-1"));
    assertTrue(err.toString().contains("--warmup-seconds = -1.0 must be finite and >= 0"), err.toString());
  }
}
