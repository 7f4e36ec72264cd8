package org.npffn.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The suite lists every case a target reads, and the decoding cases run at a tiny size: each matches its reference,
 * and a decoding step that lost its state (the KV cache, the NP layer's running context) or a greedy token that
 * is not the argmax fails it.
 */
class BenchSuiteTest {
  /** d = 16, L = 2, nh = 2, h = 32 (M = 8 groups of 4), 64 positions; t = 24; the NP layer with r = 4. */
  private static final BenchSuite.Decoding TINY = new BenchSuite.Decoding(DecodeModel.of(16, 2, 2, 32, 64), 24,
      List.of(4, 40), 3, 16, 32, 8, 4, 8, 6);

  @Test
  void theSuiteListsEveryCaseATargetReads() {
    Set<String> names = BenchSuite.cases().stream().map(BenchCase::name).collect(Collectors.toSet());
    assertEquals(BenchSuite.cases().size(), names.size(), "case names are unique");
    for (BenchTargets.Target t : BenchTargets.all()) {
      assertTrue(names.containsAll(t.cases()), t.description() + " reads " + t.cases() + ", not all in the suite");
    }
    for (String kind : List.of("dense", "moe", "np")) {
      assertTrue(names.containsAll(List.of("decode/" + kind + "/t=512", "reforward/" + kind + "/t=512",
          "generate/" + kind + "/B=1", "generate/" + kind + "/B=8")), kind);
    }
    assertTrue(names.containsAll(List.of("decode-ffn/np/t=64", "decode-ffn/np/t=1024")));
  }

  @Test
  void theDecodingCasesAreNamedForTheirShapes() {
    assertEquals(List.of("decode/dense/t=24", "reforward/dense/t=24", "decode/moe/t=24", "reforward/moe/t=24",
        "decode/np/t=24", "reforward/np/t=24", "decode-ffn/np/t=4", "decode-ffn/np/t=40", "generate/dense/B=1",
        "generate/dense/B=8", "generate/moe/B=1", "generate/moe/B=8", "generate/np/B=1", "generate/np/B=8"),
        BenchSuite.decodingCases(TINY).stream().map(BenchCase::name).toList());
  }

  @Test
  void everyDecodingCaseRunsAndMatchesItsReference() {
    for (BenchCase c : BenchSuite.decodingCases(TINY)) {
      c.setUp();
      // twice from the same prepared state: a run leaves nothing the next one depends on
      c.prepare();
      double first = c.run();
      c.prepare();
      assertEquals(first, c.run(), 0, c.name());
      assertTrue(Double.isFinite(first), c.name());
      ReferenceCheck r = c.checkReference();
      assertTrue(r.ok(), r.line(c.name()));
      assertTrue(c.flops() > 0, c.name());
      assertEquals(c.name().startsWith("generate/") ? 6.0 * (c.name().endsWith("B=8") ? 8 : 1) : 0, c.tokens(),
          c.name());
    }
  }

  @Test
  void aDecodeStepWithoutItsCacheFailsItsReference() {
    for (BenchCase c : BenchSuite.decodingCases(TINY)) {
      if (c instanceof DecodeCase d && d.name().startsWith("decode/")) {
        d.setUp();
        Map<String, INDArray> right = d.lastLogProbabilities();
        ReferenceCheck ok = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE, right, d.reference());
        assertTrue(ok.ok() && ok.maxRelError() > 0, ok.line(d.name()));
        d.decoder().reset(); // the last token stepped alone, at position 0
        INDArray out = d.step();
        ReferenceCheck lost = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE,
            Map.of("log p", DecodeModel.logProbabilitiesAt(out, 0)), d.reference());
        assertTrue(lost.maxRelError() > 100 * ReferenceCheck.FLOAT32_TOLERANCE, lost.line(d.name()));
      }
    }
  }

  @Test
  void anNpStepWithoutItsContextFailsItsReference() {
    NpStepCase c = new NpStepCase(3, 40, 16, 32, 8, 4);
    c.setUp();
    ReferenceCheck ok = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE, c.output(), c.reference());
    assertTrue(ok.ok() && ok.maxRelError() > 0, ok.line(c.name()));
    ((org.deeplearning4j.nn.api.layers.RecurrentLayer) c.layer()).rnnClearPreviousState();
    ReferenceCheck lost = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE,
        Map.of("y", c.step().dup().reshape('c', 3, 16)), c.reference());
    assertTrue(lost.maxRelError() > 100 * ReferenceCheck.FLOAT32_TOLERANCE, lost.line(c.name()));
  }

  @Test
  void aGeneratedTokenThatIsNotTheArgmaxFails() {
    GenerateCase c = new GenerateCase(TINY.lm(), "np", 2, 8, 6);
    c.setUp();
    List<int[]> ran = new ArrayList<>();
    for (int[] g : c.generate()) {
      ran.add(g.clone());
    }
    Map<String, INDArray> reference = c.reference(ran);
    INDArray ids = reference.get("ids").dup();
    assertEquals(0, ReferenceCheck.compare("-", 1e-4, Map.of("ids", ids), reference).maxRelError());
    // the last token of the second sequence replaced by the byte after it: no longer the argmax
    ran.get(1)[5] = (ran.get(1)[5] + 1) % 256;
    ids.putScalar(1, 5, ran.get(1)[5]);
    ReferenceCheck wrong = ReferenceCheck.compare("-", 1e-4, Map.of("ids", ids), c.reference(ran));
    assertFalse(wrong.ok(), wrong.line(c.name()));
  }
}
