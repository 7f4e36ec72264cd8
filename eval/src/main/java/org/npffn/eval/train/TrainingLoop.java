package org.npffn.eval.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.results.LayerResult.TrainingUsage;
import org.npffn.eval.results.RunResult.CurvePoint;
import org.npffn.eval.results.RunResult.ValidationPoint;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.layers.NonFiniteValueException;
import org.npffn.stack.layers.SequenceInputCheck;
import org.npffn.stack.schedule.WarmupCosineSchedule;

/**
 * The training steps of one run, resumable: batch s is drawn from a generator seeded by (seed, s) alone, so a
 * run resumed from a checkpoint at step s sees the same batches as one that never stopped, and the model
 * file carries the weights, Adam's moments and the iteration count the learning-rate schedule reads.
 *
 * <p>A run that diverges ({@link DivergenceRule}) stops: the outcome says at which step and why, and the last
 * checkpoint (written only from finite parameters) stays as it was.
 */
public final class TrainingLoop {
  private final PrintStream log;
  private final Intervals every;

  /**
   * How often the loop records and saves.
   *
   * @param log training loss and layer balance every this many steps
   * @param validate validation loss on the probe batches every this many steps (0 = never)
   * @param checkpoint a checkpoint every this many steps (0 = never)
   */
  public record Intervals(int log, int validate, int checkpoint) {
    public Intervals {
      if (log < 1 || validate < 0 || checkpoint < 0) {
        throw new IllegalArgumentException("intervals log = " + log + ", validate = " + validate + ", checkpoint = "
            + checkpoint + ": log must be positive, the others non-negative");
      }
    }

    /** About 50 curve points, 8 validation points and 5 checkpoints over {@code steps}. */
    public static Intervals forSteps(int steps) {
      return new Intervals(Math.max(1, steps / 50), Math.max(1, steps / 8), Math.max(1, steps / 5));
    }
  }

  /** Something run after every step (tests use it to simulate a crash or a divergence). */
  @FunctionalInterface
  public interface StepHook {
    void afterStep(ComputationGraph net, int step);
  }

  /**
   * How a run ended.
   *
   * @param state the training state at the end (the last step before it diverged, when it did)
   * @param divergedAt the step at which it diverged, or 0
   * @param divergence why it diverged ({@link DivergenceRule}), or null
   * @param checkpoint the directory of the last good checkpoint, or null
   * @param tokensPerSecond throughput of this process's steps
   * @param peakMemoryBytes peak memory in use, sampled after every step: ND4J's off-heap arrays (JavaCPP's
   *     count of what it allocated) plus the JVM heap in use
   */
  public record Outcome(TrainingState state, int divergedAt, String divergence, Path checkpoint,
      double tokensPerSecond, long peakMemoryBytes) {}

  public TrainingLoop(PrintStream log, Intervals every) {
    this.log = log;
    this.every = every;
  }

  /**
   * Trains {@code net} from {@code from} to step c.steps().
   *
   * @param store where checkpoints go, or null for none
   * @param probe validation batches for the validation curve
   * @param ffnLayers names of the FFN layers whose balance is recorded
   */
  public Outcome run(ComputationGraph net, TrainConfig c, ByteWindows train, String label, TrainingState from,
      CheckpointStore store, List<TokenBatch> probe, List<String> ffnLayers, StepHook hook) {
    WarmupCosineSchedule lr = c.schedule();
    List<CurvePoint> curve = new ArrayList<>(from.curve());
    List<ValidationPoint> validation = new ArrayList<>(from.validation());
    Map<String, List<TrainingUsage>> usage = new LinkedHashMap<>();
    from.usage().forEach((k, v) -> usage.put(k, new ArrayList<>(v)));
    long tokens = from.tokens();
    System.gc(); // earlier runs' arrays are garbage now: do not count them against this one
    long peak = memoryInUse();
    Path checkpoint = store != null && store.exists() ? store.directory() : null;
    TrainingState state = from;
    DivergenceRule divergence = new DivergenceRule(ByteWindows.VOCAB, c.warmup(), from.stepsAboveBound());
    TrainingCrossEntropy crossEntropy = new TrainingCrossEntropy();
    List<TrainingListener> listeners = new ArrayList<>(net.getListeners());
    net.addListeners(crossEntropy);
    long startNanos = System.nanoTime();
    try (TrainingProgress progress = TrainingProgress.start(label, c.steps(), from.step(), log)) {
      for (int step = from.step() + 1; step <= c.steps(); step++) {
        TokenBatch b = train.random(new Random(batchSeed(c.seed(), step)), c.batch());
        crossEntropy.expect(b);
        String diverged;
        try {
          net.fit(b.toMultiDataSet());
          diverged = divergence.check(step, crossEntropy.natsPerToken(), SequenceInputCheck.allFinite(net.params()));
        } catch (NonFiniteValueException e) {
          diverged = e.getMessage() + " at step " + step;
        }
        if (diverged != null) {
          log.println(label + ": diverged: " + diverged + "; stopped, the last good checkpoint is kept");
          return new Outcome(state, step, diverged, checkpoint, progress.tokensPerSecond(), peak);
        }
        double loss = crossEntropy.natsPerToken();
        tokens += b.realTokens();
        progress.step(step, b.realTokens(), loss);
        peak = Math.max(peak, memoryInUse());
        if (step % every.log() == 0 || step == c.steps()) {
          curve.add(new CurvePoint(step, tokens, loss, lr.valueAt(step - 1, 0)));
          recordUsage(net, ffnLayers, step, usage);
        }
        if (every.validate() > 0 && !probe.isEmpty() && (step % every.validate() == 0 || step == c.steps())) {
          validation.add(new ValidationPoint(step, HeldOutLoss.of(net, probe).nats()));
        }
        double seconds = from.seconds() + (System.nanoTime() - startNanos) / 1e9;
        state = new TrainingState(step, tokens, seconds, curve, validation, usage, divergence.above());
        hook.afterStep(net, step);
        // checked again: the hook (or anything after the divergence check) may have touched the weights
        if (store != null && every.checkpoint() > 0 && (step % every.checkpoint() == 0 || step == c.steps())
            && SequenceInputCheck.allFinite(net.params())) {
          store.save(net, state);
          checkpoint = store.directory();
        }
      }
      return new Outcome(state, 0, null, checkpoint, progress.tokensPerSecond(), peak);
    } catch (IOException e) {
      throw new UncheckedIOException(label + ": cannot write a checkpoint to " + store.directory(), e);
    } finally {
      net.setListeners(listeners);
    }
  }

  /**
   * Off-heap bytes JavaCPP has allocated (ND4J's arrays) plus the heap in use. Not the process's resident
   * size, which only grows over a compare's successive runs and would charge each arm for the ones before.
   */
  private static long memoryInUse() {
    Runtime rt = Runtime.getRuntime();
    return Pointer.totalBytes() + rt.totalMemory() - rt.freeMemory();
  }

  /** The seed of step {@code step}'s batch: a function of the run's seed and the step only. */
  static long batchSeed(long seed, int step) {
    return seed * 0x9E3779B97F4A7C15L + step;
  }

  private static void recordUsage(ComputationGraph net, List<String> ffnLayers, int step,
      Map<String, List<TrainingUsage>> usage) {
    for (String name : ffnLayers) {
      Layer layer = net.getLayer(name);
      if (layer instanceof UsageReporting r) {
        r.lastUsage().ifPresent(s -> usage.computeIfAbsent(name, k -> new ArrayList<>())
            .add(new TrainingUsage(step, s.fractions(), s.maxVio(), s.loadCv(), s.scalars().get("relu_sparsity"),
                s.scalars().get("active_experts"), s.scalars().get("relu_lambda"), s.scalars().get("relu_shift"))));
      }
    }
  }

}
