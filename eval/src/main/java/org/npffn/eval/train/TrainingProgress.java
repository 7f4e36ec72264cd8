package org.npffn.eval.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a training run: a live progress bar (tokens/s, loss, ETA) on a terminal, plain log lines
 * (about 20 per run) when the output is a file or a pipe.
 */
public final class TrainingProgress implements AutoCloseable {
  private final ProgressBar bar;
  private final PrintStream log;
  private final String label;
  private final long steps;
  private final long done;
  private final long startNanos = System.nanoTime();
  private long tokens;

  private TrainingProgress(ProgressBar bar, PrintStream log, String label, long steps, long done) {
    this.bar = bar;
    this.log = log;
    this.label = label;
    this.steps = steps;
    this.done = done;
  }

  /** A bar when a console is attached, else plain lines to {@code log}. */
  public static TrainingProgress start(String label, long steps, PrintStream log) {
    return start(label, steps, 0, log);
  }

  /** Same, for a run resumed after {@code done} steps. */
  public static TrainingProgress start(String label, long steps, long done, PrintStream log) {
    if (System.console() != null) {
      ProgressBar bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(steps)
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" steps", 1).showSpeed().build();
      bar.stepTo(done);
      return new TrainingProgress(bar, log, label, steps, done);
    }
    return new TrainingProgress(null, log, label, steps, done);
  }

  /** Records one finished step. */
  public void step(long step, long stepTokens, double loss) {
    tokens += stepTokens;
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double tokPerSec = tokens / Math.max(seconds, 1e-9);
    String extra = String.format("loss %.3f | %,.0f tok/s", loss, tokPerSec);
    if (bar != null) {
      bar.stepTo(step);
      bar.setExtraMessage(extra);
    } else if (step == steps || step % Math.max(1, steps / 20) == 0) {
      double eta = seconds / Math.max(1, step - done) * (steps - step);
      log.printf("%s step %d/%d | %s | %.0f s elapsed, ETA %.0f s%n", label, step, steps, extra, seconds, eta);
    }
  }

  /** Tokens per second over the run so far. */
  public double tokensPerSecond() {
    return tokens / Math.max((System.nanoTime() - startNanos) / 1e9, 1e-9);
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
