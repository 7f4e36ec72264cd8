package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.TokenBatch;

/** Windows stay inside one document, and evaluation predicts every byte after a document's first once. */
class ByteWindowsTest {
  private final Corpus corpus = Corpus.of("t", List.of("abcdefghij", "xy", "k", "0123456789012345"));

  @Test
  void evaluationCoversEveryPredictableByteOnce() {
    ByteWindows w = new ByteWindows(corpus.documents(), 4);
    long tokens = 0;
    for (TokenBatch b : w.evaluation(3, Long.MAX_VALUE)) {
      tokens += b.realTokens();
      assertEquals(b.realTokens(), (long) b.mask().sumNumber().doubleValue());
    }
    assertEquals(9 + 1 + 0 + 15, tokens);
  }

  @Test
  void labelsAreTheNextByteOfTheSameDocument() {
    ByteWindows w = new ByteWindows(corpus.documents(), 4);
    TokenBatch b = w.evaluation(8, Long.MAX_VALUE).get(0);
    // window 0 of "abcdefghij": ids a b c d, labels b c d e
    assertEquals('a', (int) b.ids().getDouble(0, 0));
    assertEquals('e', argmax(b.labels(), 0, 3));
    // window 2 of "abcdefghij" starts at 8: ids i j, then padding; only one real token (i -> j)
    assertEquals('j', argmax(b.labels(), 2, 0));
    assertEquals(0.0, b.mask().getDouble(2, 1));
  }

  @Test
  void randomWindowsAreDeterministicForASeed() {
    ByteWindows w = new ByteWindows(corpus.documents(), 4);
    assertEquals(w.random(new Random(5), 6).ids(), w.random(new Random(5), 6).ids());
  }

  @Test
  void crossDocumentPairsNeverPairTwoRowsOfOneDocument() {
    // document i is the byte 'A' + i repeated, so a row's first id names its document
    List<String> docs = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      docs.add(String.valueOf((char) ('A' + i)).repeat(3 + 7 * (i % 4)));
    }
    ByteWindows w = new ByteWindows(Corpus.of("letters", docs).documents(), 4);
    long tokens = 0;
    long pairedRows = 0;
    for (TokenBatch b : w.crossDocumentPairs(6, Long.MAX_VALUE)) {
      int rows = (int) b.ids().size(0);
      int[] donors = ByteWindows.crossDocumentDonors(rows);
      for (int s = 0; s < rows; s++) {
        assertNotEquals(b.ids().getDouble(s, 0), b.ids().getDouble(donors[s], 0), "row " + s + " and its donor");
        assertEquals(s, donors[donors[s]], "partners are mutual");
      }
      tokens += b.realTokens();
      pairedRows += rows;
    }
    assertTrue(pairedRows >= 10, "most windows are paired: " + pairedRows);
    assertTrue(tokens > 0);
  }

  @Test
  void oneDocumentGivesNoPairs() {
    ByteWindows w = new ByteWindows(Corpus.of("one", List.of("abcdefghijklmnop")).documents(), 4);
    assertTrue(w.crossDocumentPairs(4, Long.MAX_VALUE).isEmpty());
  }

  private static int argmax(INDArray labels, int b, int t) {
    return labels.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(t))
        .argMax().getInt(0);
  }
}
