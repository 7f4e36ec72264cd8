package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.npffn.eval.ResultsFixtures.diverged;
import static org.npffn.eval.ResultsFixtures.ok;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.npffn.eval.results.Interval;
import org.npffn.eval.results.PairedDifference;
import org.npffn.eval.results.StatedAnswer;

/**
 * The stated answer's statistics: test bits per byte paired by seed, mean ± t(0.975, n−1)·sd/√n over the
 * per-seed differences, only seeds where both runs are ok, no interval (and no claim) below 3 paired seeds.
 */
class PairedDifferenceTest {
  private static final double T_2 = 4.303; // t(0.975, 2)

  @Test
  void threeSeedsByHand() {
    // differences -0.10, -0.08, -0.12: mean -0.10, sd 0.02; dense's mean 3.20
    PairedDifference p = PairedDifference.of("np vs dense", "np", "dense", Map.of(1L, 3.10, 2L, 3.17, 3L, 3.03),
        Map.of(1L, 3.20, 2L, 3.25, 3L, 3.15));
    double half = T_2 * 0.02 / Math.sqrt(3); // 0.049687
    assertEquals(List.of(1L, 2L, 3L), p.seeds());
    assertEquals(3, p.differenceBitsPerByte().n());
    assertEquals(-0.10, p.differenceBitsPerByte().mean(), 1e-12);
    assertEquals(-0.10 - half, p.differenceBitsPerByte().low(), 1e-9);
    assertEquals(-0.10 + half, p.differenceBitsPerByte().high(), 1e-9);
    assertEquals(3.20, p.referenceBitsPerByte(), 1e-12);
    assertEquals(-3.125, p.differencePercent().mean(), 1e-9);
    assertEquals(100 * (-0.10 - half) / 3.20, p.differencePercent().low(), 1e-9); // -4.678%
    assertEquals(100 * (-0.10 + half) / 3.20, p.differencePercent().high(), 1e-9); // -1.572%
    assertTrue(p.excludesZero());
    assertEquals("np is 3.1% below dense in test bits per byte (-0.1000 bits/byte; 95% CI 1.6% to 4.7% below, "
        + "3 seeds).", p.sentence());
  }

  @Test
  void anIntervalAcrossZeroIsSaidToIncludeIt() {
    // differences +0.02, -0.03, +0.04: mean +0.01, sd 0.036
    PairedDifference p = PairedDifference.of("best MoE vs dense", "moe-aux", "dense",
        Map.of(1L, 3.22, 2L, 3.22, 3L, 3.19), Map.of(1L, 3.20, 2L, 3.25, 3L, 3.15));
    assertEquals(0.01, p.differenceBitsPerByte().mean(), 1e-12);
    assertTrue(p.differenceBitsPerByte().low() < 0 && p.differenceBitsPerByte().high() > 0);
    assertFalse(p.excludesZero());
    assertTrue(p.sentence().startsWith("moe-aux is 0.31% above dense"), p.sentence());
    assertTrue(p.sentence().contains("below to ") && p.sentence().contains("% above, 3 seeds): the interval includes "
        + "zero"), p.sentence());
  }

  @Test
  void fewerThanThreePairedSeedsGiveNoIntervalAndNoClaim() {
    PairedDifference two = PairedDifference.of("np vs dense", "np", "dense", Map.of(1L, 3.0, 2L, 3.1),
        Map.of(1L, 3.2, 2L, 3.3));
    assertEquals(2, two.differenceBitsPerByte().n());
    assertEquals(-0.2, two.differenceBitsPerByte().mean(), 1e-12);
    assertTrue(Double.isNaN(two.differenceBitsPerByte().low()) && Double.isNaN(two.differencePercent().high()));
    assertFalse(two.excludesZero(), "no interval, no significance");
    assertFalse(two.sentence().contains("CI"), two.sentence());
    assertTrue(two.sentence().contains("no interval and no claim of a difference"), two.sentence());

    PairedDifference one = PairedDifference.of("np vs dense", "np", "dense", Map.of(1L, 3.0), Map.of(1L, 3.2));
    assertFalse(one.excludesZero());
    assertTrue(one.sentence().contains("single paired seed (seed 1): a single run, no interval"), one.sentence());

    PairedDifference none = PairedDifference.of("np vs dense", "np", "dense", Map.of(1L, 3.0), Map.of(2L, 3.2));
    assertEquals(0, none.differenceBitsPerByte().n());
    assertTrue(Double.isNaN(none.differenceBitsPerByte().mean()));
    assertEquals("No seed where both np and dense are ok, so no comparison.", none.sentence());
  }

  @Test
  void aDivergedSeedIsLeftOutOfThePairingOnBothSides() {
    // seed 2 of np diverged: its dense partner (3.90, far off) must not enter the reference mean either
    List<PairedDifference> answer = StatedAnswer.of(List.of(ok("dense", 1, 3.20), ok("dense", 2, 3.90),
        ok("dense", 3, 3.15), ok("dense", 4, 3.25), ok("np", 1, 3.10), diverged("np", 2, 7), ok("np", 3, 3.03),
        ok("np", 4, 3.17)));
    PairedDifference p = answer.get(0);
    assertEquals("np vs dense", p.question());
    assertEquals(List.of(1L, 3L, 4L), p.seeds());
    Interval expected = Interval.of(3.10 - 3.20, 3.03 - 3.15, 3.17 - 3.25);
    assertEquals(expected.mean(), p.differenceBitsPerByte().mean(), 1e-12);
    assertEquals(expected.low(), p.differenceBitsPerByte().low(), 1e-12);
    assertEquals((3.20 + 3.15 + 3.25) / 3, p.referenceBitsPerByte(), 1e-12);
  }

  @Test
  void theBestMoeIsTheMoeArmWithTheLowestMeanAndTheQuestionsComeInOrder() {
    List<PairedDifference> answer = StatedAnswer.of(List.of(ok("dense", 1, 3.3), ok("moe-aux", 1, 3.25),
        ok("moe-lossfree", 1, 3.21), ok("np", 1, 3.22), ok("dense-wide", 1, 3.0)));
    assertEquals(List.of("np vs dense", "np vs best MoE", "best MoE vs dense"),
        answer.stream().map(PairedDifference::question).toList());
    assertEquals("moe-lossfree", answer.get(1).reference());
    assertEquals("moe-lossfree", answer.get(2).arm());
    assertEquals("dense", answer.get(2).reference());

    assertEquals(List.of("best MoE vs dense"), StatedAnswer.of(List.of(ok("dense", 1, 3.3), ok("moe-aux", 1, 3.2)))
        .stream().map(PairedDifference::question).toList(), "without np only the MoE question is asked");
  }
}
