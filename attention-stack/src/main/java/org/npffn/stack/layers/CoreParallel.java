package org.npffn.stack.layers;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the independent parts of one layer step (MoE experts, blocks of token rows) on every core, each part
 * on one thread with single-threaded BLAS.
 *
 * <p>Why: with ND4J's elementwise ops on one thread (the launcher's OMP_NUM_THREADS=1, see NpEval) a second
 * core idles through every activation and bias step, and a small gemm split over two BLAS threads spends
 * much of its time in the threads waiting for each other (sched_yield in a perf profile, docs/benchmarks.md).
 * Parts on Java threads keep both cores busy with no hand-off inside a
 * product. BLAS is set to one thread for the duration and restored after: OpenBLAS's thread count is one
 * process-wide setting, so a step of this kind must not overlap another thread's large gemm (DL4J runs a
 * network's layers one after another). Two sections at once from different threads (ParallelInference,
 * ParallelWrapper) can interleave the save and restore and leave BLAS on one thread: run those with
 * -Dnpffn.workers=1.
 *
 * <p>The calling thread claims parts too, and helpers come from the common ForkJoinPool; a helper that
 * starts late finds nothing left to claim, so a busy pool costs speed, never progress. Parts must write to
 * disjoint arrays, and must not touch a ScratchBuffers that another part or the caller uses at the same time
 * (size shared buffers before; a part may own its buffers, as SequenceBlocks' shards do).
 */
public final class CoreParallel {
  private static final CoreParallel CALLING_THREAD = new CoreParallel(1);

  private final int workers;

  /** At most {@code workers} threads at a time, the caller included; 1 runs every part on the caller. */
  public CoreParallel(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers = " + workers + " must be at least 1");
    }
    this.workers = workers;
  }

  /**
   * -Dnpffn.workers=n workers, one by default (every part on the calling thread). Opt-in because one of seven CI
   * runs crashed in native code (SIGBUS in libnd4j's TadDescriptor, in a JVM that had run MoE layers with parts
   * on two threads) and the cause is not known; `./np-eval bench` sets one worker per core.
   */
  public static CoreParallel fromSystemProperty() {
    return new CoreParallel(Integer.getInteger("npffn.workers", 1));
  }

  public int workers() {
    return workers;
  }

  /**
   * This, or the calling thread alone when the work is {@code rows} &lt; {@code minRows} rows: a hand-off costs
   * tens of µs, more than a few rows' products save (a decode step's experts see one row each).
   */
  public CoreParallel forRows(long rows, long minRows) {
    return workers == 1 || rows >= minRows ? this : CALLING_THREAD;
  }

  /**
   * Runs {@code part.accept(order[i])} for every i, largest parts first if {@code order} lists them so
   * (parts are claimed in order, so the long ones do not come last). Returns when every part has run;
   * rethrows the first failure.
   */
  public void run(int[] order, IntConsumer part) {
    int helpers = Math.min(workers, order.length) - 1;
    if (helpers <= 0) {
      for (int p : order) {
        part.accept(p);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(order.length);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable claim = () -> {
      for (int i = next.getAndIncrement(); i < order.length; i = next.getAndIncrement()) {
        try {
          if (failure.get() == null) {
            part.accept(order[i]);
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          done.countDown();
        }
      }
    };
    int blasThreads = Nd4j.factory().blas().getMaxThreads();
    Nd4j.factory().blas().setMaxThreads(1);
    try {
      for (int h = 0; h < helpers; h++) {
        ForkJoinPool.commonPool().execute(claim);
      }
      claim.run();
      awaitUninterruptibly(done);
    } finally {
      Nd4j.factory().blas().setMaxThreads(blasThreads);
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  /** Waits for every claimed part: returning while a helper still writes would hand out half-written arrays. */
  private static void awaitUninterruptibly(CountDownLatch done) {
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Cuts n rows into one block per worker, none under {@code minRows} rows (a hand-off costs tens of µs):
   * returns the cuts 0 = c_0 &lt; c_1 &lt; ... = n, so block b is rows [c_b, c_{b+1}). Zero rows give one empty block.
   */
  public long[] rowBlocks(long n, long minRows) {
    int blocks = (int) Math.max(1, Math.min(workers, n / Math.max(1, minRows)));
    long[] cut = new long[blocks + 1];
    for (int b = 0; b <= blocks; b++) {
      cut[b] = n * b / blocks;
    }
    return cut;
  }

  /** Block p of the rows of a contiguous matrix, cut by {@link #rowBlocks}: a view. */
  public static INDArray block(INDArray m, long[] cut, int p) {
    return RowBlockView.rows(m, cut[p], cut[p + 1]);
  }

  /** Block p of a per-row index array, cut by {@link #rowBlocks}: the array itself when one block is all. */
  public static int[] part(int[] index, long[] cut, int p) {
    if (cut[p] == 0 && cut[p + 1] == index.length) {
      return index;
    }
    return Arrays.copyOfRange(index, (int) cut[p], (int) cut[p + 1]);
  }

  /** Runs parts 0 .. parts-1 in that order. */
  public void run(int parts, IntConsumer part) {
    int[] order = new int[parts];
    for (int i = 0; i < parts; i++) {
      order[i] = i;
    }
    run(order, part);
  }
}
