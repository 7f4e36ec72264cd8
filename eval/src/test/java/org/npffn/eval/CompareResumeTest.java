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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.train.TrainingLoop;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.ffn.DenseFfn;
import picocli.CommandLine;

/**
 * Checkpoints: a compare killed mid-run and resumed ends with the same numbers as one that never stopped; a
 * corrupted or mismatched checkpoint is refused; an arm whose loss turns non-finite stops, keeps its last good
 * checkpoint, and the other arms go on.
 */
class CompareResumeTest {
  private static final String[] RUN = {"compare", "--preset", "smoke", "--steps", "40", "--checkpoint-every", "10",
      "--eval-tokens", "2048", "--seeds", "1"};

  @TempDir
  Path tmp;

  /**
   * A simulated kill: the process dies after {@code step} of the first run it trains. An Error, as a kill is
   * nothing the program can catch: compare records an arm's exceptions as a failed run and goes on.
   */
  private static final class Killed extends Error {
    Killed() {
      super("simulated kill");
    }
  }

  private static int compare(Path out, TrainingLoop.StepHook hook, StringWriter err, String... extra) {
    List<String> args = new ArrayList<>(List.of(RUN));
    args.addAll(List.of("--out", out.toString()));
    args.addAll(List.of(extra));
    if (!args.contains("--arms")) {
      args.addAll(List.of("--arms", "moe-lossfree,np"));
    }
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == CompareCommand.class ? cls.cast(new CompareCommand(hook))
            : CommandLine.defaultFactory().create(cls);
      }
    };
    try {
      return NpEval.run(new PrintWriter(err, true), factory, args.toArray(new String[0]));
    } catch (Killed k) {
      return 1;
    }
  }

  private static JsonNode results(Path out) throws IOException {
    return new ObjectMapper().readTree(out.resolve("results.json").toFile());
  }

  private Path killedRun(int killStep, String... extra) {
    Path out = tmp.resolve("killed");
    int[] runsSeen = {0};
    int code = compare(out, (net, step) -> {
      if (step == 1) {
        runsSeen[0]++;
      }
      if (runsSeen[0] == 2 && step == killStep) {
        throw new Killed();
      }
    }, new StringWriter(), extra);
    assertEquals(1, code, "the kill ends the process with a failure");
    return out;
  }

  @Test
  void resumeAfterAKillEqualsTheUninterruptedRun() throws IOException {
    Path whole = tmp.resolve("whole");
    assertEquals(0, compare(whole, (net, step) -> { }, new StringWriter()));
    Path out = killedRun(25); // the second arm (np) dies after step 25; its checkpoint is from step 20
    assertTrue(Files.exists(out.resolve("runs/moe-lossfree-seed1.json")), "the finished arm was kept");
    assertTrue(Files.exists(out.resolve("checkpoints/np-seed1/checkpoint.json")));
    assertEquals(0, compare(out, (net, step) -> { }, new StringWriter(), "--resume"));

    JsonNode a = results(whole);
    JsonNode b = results(out);
    for (int i = 0; i < 2; i++) {
      JsonNode ra = a.at("/runs/" + i);
      JsonNode rb = b.at("/runs/" + i);
      for (String metric : new String[] {"/validation/nats", "/test/nats"}) {
        assertEquals(ra.at(metric).asDouble(), rb.at(metric).asDouble(), 1e-6, ra.get("arm") + metric);
      }
      assertEquals(ra.get("training_curve").size(), rb.get("training_curve").size());
      for (int p = 0; p < ra.get("training_curve").size(); p++) {
        assertEquals(ra.at("/training_curve/" + p + "/loss").asDouble(), rb.at("/training_curve/" + p + "/loss")
            .asDouble(), 1e-6, "training loss at point " + p);
      }
      assertEquals(ra.get("top_k").toString(), rb.get("top_k").toString());
      assertEquals(ra.at("/layers/0/test/load").toString(), rb.at("/layers/0/test/load").toString());
    }
  }

  /**
   * The ReLU-routed MoE's λ is a saved state parameter: a moe-relu run killed after step 25 and resumed from its
   * step-20 checkpoint moves λ and its sparsity exactly as the uninterrupted run.
   */
  @Test
  void aResumedReluArmContinuesItsSparsityControllerExactly() throws IOException {
    Path whole = tmp.resolve("whole");
    assertEquals(0, compare(whole, (net, step) -> { }, new StringWriter(), "--arms", "dense,moe-relu"));
    Path out = killedRun(25, "--arms", "dense,moe-relu");
    assertTrue(Files.exists(out.resolve("checkpoints/moe-relu-seed1/checkpoint.json")));
    assertEquals(0, compare(out, (net, step) -> { }, new StringWriter(), "--resume", "--arms", "dense,moe-relu"));
    JsonNode a = results(whole).at("/runs/1/layers/0/training");
    JsonNode b = results(out).at("/runs/1/layers/0/training");
    assertEquals(a.size(), b.size());
    for (int p = 0; p < a.size(); p++) {
      assertEquals(a.get(p).get("relu_lambda").asDouble(), b.get(p).get("relu_lambda").asDouble(), 0,
          "λ at point " + p);
      assertEquals(a.get(p).get("relu_sparsity").asDouble(), b.get(p).get("relu_sparsity").asDouble(), 1e-9,
          "sparsity at point " + p);
    }
    assertEquals(results(whole).at("/runs/1/test/nats").asDouble(), results(out).at("/runs/1/test/nats").asDouble(),
        1e-6);
  }

  @Test
  void aCorruptedCheckpointIsRefused() throws IOException {
    Path out = killedRun(15);
    Path model;
    try (Stream<Path> s = Files.list(out.resolve("checkpoints/np-seed1"))) {
      model = s.filter(p -> p.getFileName().toString().endsWith(".zip")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(model, bytes);
    StringWriter err = new StringWriter();
    assertEquals(2, compare(out, (net, step) -> { }, err, "--resume"));
    assertTrue(err.toString().contains("corrupted"), err.toString());
    assertTrue(!Files.exists(out.resolve("results.json")));
  }

  @Test
  void aCheckpointOfAnotherConfigurationIsRefused() throws IOException {
    Path out = killedRun(15);
    Files.delete(out.resolve("run-config.json")); // so the per-run checkpoint's own check is what refuses
    StringWriter err = new StringWriter();
    assertEquals(2, compare(out, (net, step) -> { }, err, "--resume", "--lr", "0.001"));
    assertTrue(err.toString().contains("different configuration") && err.toString().contains("learning_rate"),
        err.toString());
  }

  @Test
  void resumingWithOtherOptionsIsRefused() {
    Path out = killedRun(15);
    StringWriter err = new StringWriter();
    assertEquals(2, compare(out, (net, step) -> { }, err, "--resume", "--width", "48"));
    assertTrue(err.toString().contains("training.width: 32 vs 48"), err.toString());
  }

  @Test
  void aDivergingArmKeepsItsLastGoodCheckpointAndTheOthersGoOn() throws IOException {
    Path out = tmp.resolve("nan");
    StringWriter err = new StringWriter();
    int code = compare(out, (net, step) -> {
      boolean dense = net.getLayer(TransformerStack.ffnName(0)).conf().getLayer() instanceof DenseFfn;
      if (dense && step == 25) {
        net.params().assign(Double.NaN); // the next step's loss is NaN
      }
    }, err, "--arms", "dense,np");
    assertEquals(3, code, "a diverged arm makes the exit code 3");
    assertTrue(err.toString().contains("1 run(s) diverged: dense/seed 1 (step 26)"), err.toString());
    JsonNode doc = results(out);
    assertEquals("diverged", doc.at("/runs/0/status").asText());
    assertEquals(26, doc.at("/runs/0/diverged_at").asInt());
    assertTrue(doc.at("/runs/0/error").asText().contains("NaN") && doc.at("/runs/0/error").asText()
        .contains("at step 26"), doc.at("/runs/0/error").asText());
    assertEquals(25, doc.at("/runs/0/steps_done").asInt());
    assertTrue(doc.at("/runs/0/test").isNull());
    assertEquals("ok", doc.at("/runs/1/status").asText(), "the NP arm went on");
    assertEquals(1, doc.at("/summary/0/failed").asInt());
    assertEquals(1, doc.at("/summary/0/diverged").asInt());
    assertTrue(doc.at("/continuations/arms/0/unavailable").asText().startsWith("dense/seed 1 diverged at step 26: "
        + "no trained model"), doc.at("/continuations/arms/0").toString());
    assertEquals(0, doc.at("/continuations/arms/0/greedy").size(), "a diverged arm shows no continuation");
    assertEquals(3, doc.at("/continuations/arms/1/greedy").size(), "the NP arm's model continues");

    Path checkpoint;
    try (Stream<Path> s = Files.list(out.resolve("checkpoints/dense-seed1"))) {
      checkpoint = s.filter(p -> p.getFileName().toString().endsWith(".zip")).findFirst().orElseThrow();
    }
    assertEquals("model-step0000020.zip", checkpoint.getFileName().toString(), "the step-25 NaN was never saved");
    ComputationGraph net = ModelSerializer.restoreComputationGraph(checkpoint.toFile(), false);
    assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()));
  }

  @Test
  void anArmThatThrowsIsRecordedAsFailedTheOthersGoOnAndResumeRetriesIt() throws IOException {
    Path out = tmp.resolve("throws");
    StringWriter err = new StringWriter();
    int code = compare(out, (net, step) -> {
      boolean dense = net.getLayer(TransformerStack.ffnName(0)).conf().getLayer() instanceof DenseFfn;
      if (dense && step == 5) {
        throw new IllegalStateException("a bug in one arm");
      }
    }, err, "--arms", "dense,np");
    assertEquals(1, code, err.toString());
    JsonNode doc = results(out);
    assertEquals("failed", doc.at("/runs/0/status").asText());
    assertTrue(doc.at("/runs/0/error").asText().contains("a bug in one arm"), doc.at("/runs/0/error").asText());
    assertEquals("ok", doc.at("/runs/1/status").asText(), "the NP arm went on");
    assertTrue(err.toString().strip().endsWith("1 run(s) failed: dense/seed 1"), err.toString());
    assertFalse(Files.exists(out.resolve("runs/dense-seed1.json")), "not kept as finished");
    assertEquals(0, compare(out, (net, step) -> { }, new StringWriter(), "--arms", "dense,np", "--resume"));
    assertEquals("ok", results(out).at("/runs/0/status").asText(), "--resume ran it again");
  }
}
