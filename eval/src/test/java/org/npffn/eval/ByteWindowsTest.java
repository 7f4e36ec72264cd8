package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

  private static int argmax(INDArray labels, int b, int t) {
    return labels.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(t))
        .argMax().getInt(0);
  }
}
