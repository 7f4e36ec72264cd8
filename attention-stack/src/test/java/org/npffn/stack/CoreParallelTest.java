package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.CoreParallel;
import org.npffn.stack.layers.RowBlockView;

class CoreParallelTest {

  @Test
  void runsEveryPartExactlyOnce() {
    AtomicIntegerArray runs = new AtomicIntegerArray(37);
    new CoreParallel(4).run(37, runs::incrementAndGet);
    for (int i = 0; i < 37; i++) {
      assertEquals(1, runs.get(i), "part " + i);
    }
  }

  @Test
  void oneWorkerRunsOnTheCallingThreadInTheGivenOrder() {
    StringBuilder order = new StringBuilder();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    new CoreParallel(1).run(new int[] {2, 0, 1}, p -> {
      order.append(p);
      threads.add(Thread.currentThread());
    });
    assertEquals("201", order.toString());
    assertEquals(Set.of(Thread.currentThread()), threads);
  }

  @Test
  void fewRowsRunOnTheCallingThreadAndEnoughRowsKeepTheWorkers() {
    CoreParallel two = new CoreParallel(2);
    assertEquals(1, two.forRows(2, 512).workers());
    assertSame(two, two.forRows(512, 512));
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    two.forRows(16, 512).run(new int[] {3, 1, 0, 2}, p -> threads.add(Thread.currentThread()));
    assertEquals(Set.of(Thread.currentThread()), threads);
  }

  @Test
  void productsOnRowBlocksMatchTheWholeProduct() {
    INDArray x = Nd4j.rand(DataType.DOUBLE, 300, 17);
    INDArray w = Nd4j.rand(DataType.DOUBLE, 17, 9);
    INDArray out = Nd4j.create(DataType.DOUBLE, 300, 9);
    int blocks = 12;
    new CoreParallel(2).run(blocks, b -> {
      long from = 300L * b / blocks;
      long to = 300L * (b + 1) / blocks;
      Nd4j.gemm(RowBlockView.rows(x, from, to), w, RowBlockView.rows(out, from, to), false, false, 1.0, 0.0);
    });
    assertEquals(x.mmul(w), out);
  }

  /**
   * Runs {@code body} with BLAS on two threads, restoring the count after. Surefire sets OMP_NUM_THREADS=1, so
   * BLAS starts on one thread, the value the parts set: without this a lost restore could not be seen.
   */
  private static void withTwoBlasThreads(Runnable body) {
    int original = Nd4j.factory().blas().getMaxThreads();
    Nd4j.factory().blas().setMaxThreads(2);
    try {
      assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "BLAS refused a second thread");
      body.run();
    } finally {
      Nd4j.factory().blas().setMaxThreads(original);
    }
  }

  @Test
  void restoresTheBlasThreadCount() {
    withTwoBlasThreads(() -> {
      new CoreParallel(2).run(4, p -> assertEquals(1, Nd4j.factory().blas().getMaxThreads()));
      assertEquals(2, Nd4j.factory().blas().getMaxThreads());
    });
  }

  @Test
  void rethrowsAPartsFailureAfterEveryClaimedPartHasFinished() {
    IllegalStateException boom = new IllegalStateException("part 3 failed");
    withTwoBlasThreads(() -> {
      IllegalStateException thrown = assertThrows(IllegalStateException.class,
          () -> new CoreParallel(2).run(8, p -> {
            if (p == 3) {
              throw boom;
            }
          }));
      assertSame(boom, thrown);
      assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "restored after a failure too");
    });
  }

  @Test
  void rowBlocksCoverTheRowsOncePerWorkerAndNeverBelowTheMinimum() {
    assertArrayEquals(new long[] {0, 600, 1200}, new CoreParallel(2).rowBlocks(1200, 512));
    assertArrayEquals(new long[] {0, 1000}, new CoreParallel(2).rowBlocks(1000, 512));
    assertArrayEquals(new long[] {0, 3, 6, 10}, new CoreParallel(3).rowBlocks(10, 1));
    assertArrayEquals(new long[] {0, 0}, new CoreParallel(2).rowBlocks(0, 512));
  }

  @Test
  void rejectsFewerThanOneWorker() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CoreParallel(0));
    assertEquals("workers = 0 must be at least 1", e.getMessage());
  }
}
