package org.npffn.stack.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** Properties of top-k selection, capacity and gates, on random score arrays (no network). */
class TopKRouterProperties {

  private record Case(double[] scores, boolean[] real, int experts, int k) {}

  private static Case randomCase(long seed, int n, int experts, int k, boolean withPadding, boolean ties) {
    Random rng = new Random(seed);
    double[] p = new double[n * experts];
    for (int t = 0; t < n; t++) {
      double sum = 0;
      for (int e = 0; e < experts; e++) {
        p[t * experts + e] = ties ? rng.nextInt(3) + 1 : Math.exp(rng.nextGaussian());
        sum += p[t * experts + e];
      }
      for (int e = 0; e < experts; e++) {
        p[t * experts + e] /= sum;
      }
    }
    boolean[] real = new boolean[n];
    for (int t = 0; t < n; t++) {
      real[t] = !withPadding || rng.nextInt(4) != 0;
    }
    return new Case(p, real, experts, Math.min(k, experts));
  }

  @Property(tries = 300)
  void renormalisedGatesOfEveryRealTokenSumToOne(@ForAll @IntRange(min = 1, max = 40) int n,
      @ForAll @IntRange(min = 1, max = 9) int experts, @ForAll @IntRange(min = 1, max = 9) int k,
      @ForAll boolean padding, @ForAll Overflow overflow, @ForAll @DoubleRange(min = 0.1, max = 3) double cf,
      @ForAll long seed) {
    Case c = randomCase(seed, n, experts, k, padding, false);
    int capacity = (int) Math.ceil(cf * c.k() * n / experts);
    Routing r = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), capacity, overflow, true);
    for (int t = 0; t < n; t++) {
      double sum = 0;
      for (int j = 0; j < c.k(); j++) {
        sum += r.choiceGate()[t * c.k() + j];
      }
      assertEquals(c.real()[t] ? 1.0 : 0.0, sum, 1e-12, "token " + t);
    }
  }

  @Property(tries = 300)
  void noExpertEverExceedsItsCapacity(@ForAll @IntRange(min = 1, max = 60) int n,
      @ForAll @IntRange(min = 1, max = 9) int experts, @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll Overflow overflow, @ForAll @DoubleRange(min = 0.05, max = 2) double cf, @ForAll boolean padding,
      @ForAll long seed) {
    Case c = randomCase(seed, n, experts, k, padding, false);
    int capacity = (int) Math.ceil(cf * c.k() * n / experts);
    Routing r = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), capacity, overflow, true);
    long kept = 0;
    for (int e = 0; e < experts; e++) {
      assertTrue(r.load(e) <= capacity, "expert " + e + " holds " + r.load(e) + " > " + capacity);
      kept += r.load(e);
    }
    assertEquals((long) c.k() * r.realTokens(), kept + r.dropped(), "every real choice is kept or dropped");
    long selected = 0;
    for (long s : r.selected()) {
      selected += s;
    }
    assertEquals((long) c.k() * r.realTokens(), selected);
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < c.k(); j++) {
        int s = r.choiceSlot()[t * c.k() + j];
        if (s >= 0) {
          assertEquals(t, r.slotToken()[s]);
          int e = r.choiceExpert()[t * c.k() + j];
          assertTrue(s >= r.expertOffset()[e] && s < r.expertOffset()[e + 1], "slot in its expert's block");
        }
      }
    }
  }

  @Property(tries = 200)
  void nextBestDropsNoMoreThanDrop(@ForAll @IntRange(min = 1, max = 60) int n,
      @ForAll @IntRange(min = 2, max = 9) int experts, @ForAll @IntRange(min = 1, max = 3) int k,
      @ForAll @DoubleRange(min = 0.2, max = 1.5) double cf, @ForAll long seed) {
    Case c = randomCase(seed, n, experts, k, false, false);
    int capacity = (int) Math.ceil(cf * c.k() * n / experts);
    Routing drop = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), capacity, Overflow.DROP, true);
    Routing next = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), capacity, Overflow.NEXT_BEST,
        true);
    assertTrue(next.dropped() <= drop.dropped(), next.dropped() + " > " + drop.dropped());
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < c.k(); j++) {
        for (int i = j + 1; i < c.k(); i++) {
          assertTrue(next.choiceExpert()[t * c.k() + j] != next.choiceExpert()[t * c.k() + i],
              "a token never gets one expert twice");
        }
      }
    }
  }

  @Property(tries = 200)
  void tiesGoToTheLowerExpertIndexAndRoutingIsDeterministic(@ForAll @IntRange(min = 1, max = 30) int n,
      @ForAll @IntRange(min = 1, max = 6) int experts, @ForAll @IntRange(min = 1, max = 6) int k,
      @ForAll long seed) {
    Case c = randomCase(seed, n, experts, k, false, true);
    Routing a = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), Integer.MAX_VALUE,
        Overflow.DROP, false);
    Routing b = TopKRouter.route(c.scores().clone(), c.scores().clone(), c.real(), experts, c.k(),
        Integer.MAX_VALUE, Overflow.DROP, false);
    assertEquals(java.util.Arrays.toString(a.choiceExpert()), java.util.Arrays.toString(b.choiceExpert()));
    for (int t = 0; t < n; t++) {
      for (int j = 0; j + 1 < c.k(); j++) {
        int e1 = a.choiceExpert()[t * c.k() + j];
        int e2 = a.choiceExpert()[t * c.k() + j + 1];
        double s1 = c.scores()[t * experts + e1];
        double s2 = c.scores()[t * experts + e2];
        assertTrue(s1 > s2 || (s1 == s2 && e1 < e2), "rank order at token " + t);
      }
    }
  }

  @Property(tries = 200)
  void expertsByLoadListsEveryExpertOnceBusiestFirst(@ForAll @IntRange(min = 1, max = 60) int n,
      @ForAll @IntRange(min = 1, max = 9) int experts, @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll boolean padding, @ForAll long seed) {
    Case c = randomCase(seed, n, experts, k, padding, true);
    Routing r = TopKRouter.route(c.scores(), c.scores(), c.real(), experts, c.k(), Integer.MAX_VALUE,
        Overflow.DROP, true);
    int[] order = r.expertsByLoad();
    assertEquals(experts, java.util.Arrays.stream(order).distinct().count());
    int max = 0;
    for (int i = 0; i < experts; i++) {
      max = Math.max(max, r.load(i));
      if (i > 0) {
        int prev = order[i - 1];
        int cur = order[i];
        assertTrue(r.load(prev) > r.load(cur) || (r.load(prev) == r.load(cur) && prev < cur),
            "expert " + prev + " (load " + r.load(prev) + ") before " + cur + " (load " + r.load(cur) + ")");
      }
    }
    assertEquals(max, r.maxLoad());
    int[] busy = r.busyExpertsByLoad();
    // the busy experts are the order's head (loads descend), and every slot is theirs
    assertArrayEquals(java.util.Arrays.copyOf(order, busy.length), busy);
    for (int i = 0; i < experts; i++) {
      assertEquals(i < busy.length, r.load(order[i]) > 0, "expert " + order[i] + " at " + i);
    }
    assertEquals(r.slots(), java.util.Arrays.stream(busy).map(r::load).sum());
  }
}
