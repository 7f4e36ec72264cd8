package org.npffn.eval.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.npffn.eval.results.Continuations;
import org.npffn.eval.results.Continuations.ArmContinuations;
import org.npffn.eval.results.Continuations.ByteText;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.train.CheckpointException;
import org.npffn.eval.train.CheckpointStore;
import org.npffn.eval.train.TrainConfig;
import org.npffn.stack.decoding.Generator;
import org.npffn.stack.decoding.Sampling;

/**
 * The report's samples of text: each arm's trained model (its first seed's run, read back from that run's final
 * checkpoint, so a fresh compare and a --resume of a finished one give the same) continues three fixed prompts
 * from the test documents, greedily and sampled. Stepping runs the model in inference mode.
 */
public final class TestPromptContinuations {
  /** Prompts taken from the test documents. */
  static final int PROMPTS = 3;
  /** Bytes per prompt at most (and at most T/2, so the model sees the prompt within its positions). */
  static final int PROMPT_BYTES = 64;
  /** Bytes generated per continuation: a few lines of text, enough to see whether words and phrases form. */
  static final int NEW_BYTES = 160;
  static final double TEMPERATURE = 0.8;
  static final int TOP_K = 40;

  private TestPromptContinuations() {}

  /** A prompt: its document's first bytes, and the bytes that follow them there. */
  record Prompt(byte[] bytes, byte[] followedBy) {}

  /**
   * The prompts for windows of {@code length} T: the first {@link #PROMPTS} test documents longer than P =
   * min(64, T/2) bytes, each cut to its first P bytes and then back to its last whole UTF-8 character. Fewer when
   * fewer documents are that long.
   */
  static List<Prompt> prompts(List<byte[]> testDocuments, int length) {
    int p = Math.min(PROMPT_BYTES, Math.max(1, length / 2));
    List<Prompt> out = new ArrayList<>();
    for (byte[] d : testDocuments) {
      if (out.size() == PROMPTS) {
        break;
      }
      if (d.length <= p) {
        continue;
      }
      int cut = p;
      while (cut > 0 && (d[cut] & 0xC0) == 0x80) { // d[cut] continues a character: the cut would split it
        cut--;
      }
      if (cut > 0) {
        out.add(new Prompt(Arrays.copyOf(d, cut), Arrays.copyOfRange(d, cut, Math.min(d.length, cut + NEW_BYTES))));
      }
    }
    return out;
  }

  /**
   * The continuations of every arm in {@code arms}, each by its run with c.seed() (the first seed) in
   * {@code runs}.
   *
   * @param dir the compare directory, whose checkpoints hold the trained models
   */
  public static Continuations of(RunDirectory dir, List<Arm> arms, TrainConfig c, FfnSettings s, List<RunResult> runs,
      List<byte[]> testDocuments) {
    List<Prompt> prompts = prompts(testDocuments, c.length());
    List<ArmContinuations> out = new ArrayList<>();
    for (Arm arm : arms) {
      RunResult run = runs.stream().filter(r -> r.arm().equals(arm.label()) && r.seed() == c.seed()).findFirst()
          .orElse(null);
      out.add(ofArm(dir, arm, c, s, run, prompts));
    }
    int p = Math.min(PROMPT_BYTES, Math.max(1, c.length() / 2));
    return new Continuations("the first " + PROMPTS + " test documents longer than " + p + " bytes (min(64, T/2) at "
        + "T = " + c.length() + "), in corpus order; each prompt is its document's first " + p + " bytes, cut back "
        + "to its last whole UTF-8 character",
        "greedy (temperature 0), and sampled at temperature " + TEMPERATURE + ", top-k " + TOP_K + ", top-p 1, seed 1 + "
            + "the prompt's index (0, 1, 2); each prompt alone; past the model's " + c.length() + " positions the "
            + "context slides: the last " + Math.max(1, c.length() / 2) + " bytes are re-encoded from position 0 "
            + "(training windows also start anywhere in a document)",
        NEW_BYTES, prompts.stream().map(q -> ByteText.of(q.bytes())).toList(),
        prompts.stream().map(q -> ByteText.of(q.followedBy())).toList(), out);
  }

  /** Reproduces one prompt's sampled continuation: what np-eval generate gives with these settings. */
  static Sampling sampled(int promptIndex) {
    return Sampling.defaults().withTemperature(TEMPERATURE).withTopK(TOP_K).withTopP(1).withSeed(1 + promptIndex)
        .withMaxNewTokens(NEW_BYTES).withSlidingWindow(true);
  }

  static Sampling greedy() {
    return Sampling.greedy().withMaxNewTokens(NEW_BYTES).withSlidingWindow(true);
  }

  private static ArmContinuations ofArm(RunDirectory dir, Arm arm, TrainConfig c, FfnSettings s, RunResult run,
      List<Prompt> prompts) {
    String label = arm.label();
    long seed = c.seed();
    if (run == null) {
      return ArmContinuations.none(label, seed, "no run of " + label + " with seed " + seed);
    }
    if (!run.ok()) {
      return ArmContinuations.none(label, seed, label + "/seed " + seed + " " + (RunResult.DIVERGED.equals(run.status())
          ? "diverged" + (run.divergedAt() == null ? "" : " at step " + run.divergedAt()) : "failed")
          + ": no trained model to continue with (" + run.error() + ")");
    }
    CheckpointStore store = dir.checkpoints(arm, c, s);
    try {
      Optional<CheckpointStore.Restored> restored = store.restore();
      if (restored.isEmpty()) {
        return ArmContinuations.none(label, seed, "no saved model: the run's final model is read from its "
            + "checkpoint, and it ran with --checkpoint-every 0");
      }
      if (restored.get().state().step() != run.stepsDone()) {
        return ArmContinuations.none(label, seed, "its newest checkpoint is from step " + restored.get().state()
            .step() + ", not its final step " + run.stepsDone());
      }
      ComputationGraph net = restored.get().net();
      Generator g = Generator.of(net);
      List<ByteText> greedy = new ArrayList<>();
      List<ByteText> sampled = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        int[] ids = ids(prompts.get(i).bytes());
        greedy.add(ByteText.of(bytes(g.generate(ids, greedy()))));
        sampled.add(ByteText.of(bytes(g.generate(ids, sampled(i)))));
      }
      Path model = dir.path().toAbsolutePath().relativize(restored.get().model().toAbsolutePath());
      return new ArmContinuations(label, seed, model.toString(), null, greedy, sampled);
    } catch (CheckpointException | IllegalArgumentException | IllegalStateException e) {
      return ArmContinuations.none(label, seed, "cannot continue with its model: " + e.getMessage());
    }
  }

  private static int[] ids(byte[] b) {
    int[] ids = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      ids[i] = b[i] & 0xFF;
    }
    return ids;
  }

  private static byte[] bytes(int[] ids) {
    byte[] b = new byte[ids.length];
    for (int i = 0; i < ids.length; i++) {
      b[i] = (byte) ids[i];
    }
    return b;
  }
}
