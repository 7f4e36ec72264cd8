package org.npffn.eval.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic document-level train / validation / test split: document i goes to validation when
 * i mod 20 = 0, to test when i mod 20 = 1, and to training otherwise (90 / 5 / 5 by documents). No document
 * is split, so held-out text is never seen in training.
 */
public record CorpusSplit(List<byte[]> train, List<byte[]> validation, List<byte[]> test) {
  /** The rule, as the reports state it. */
  public static final String RULE = "document i: validation if i mod 20 = 0, test if i mod 20 = 1, else train";

  public static CorpusSplit of(Corpus corpus) {
    List<byte[]> train = new ArrayList<>();
    List<byte[]> validation = new ArrayList<>();
    List<byte[]> test = new ArrayList<>();
    List<byte[]> docs = corpus.documents();
    for (int i = 0; i < docs.size(); i++) {
      switch (i % 20) {
        case 0 -> validation.add(docs.get(i));
        case 1 -> test.add(docs.get(i));
        default -> train.add(docs.get(i));
      }
    }
    if (train.isEmpty() || validation.isEmpty() || test.isEmpty()) {
      throw new CorpusException(corpus.source() + ": " + docs.size()
          + " documents are too few for a train/validation/test split (need at least 3)");
    }
    return new CorpusSplit(train, validation, test);
  }

  /**
   * Refuses a split too small to train and evaluate on windows of {@code length} bytes, {@code batch} per step:
   * the training documents must hold at least one batch of whole windows, B·(T + 1) bytes (a window's T inputs
   * and the next byte of its last), and validation and test at least one window each, T + 1 bytes.
   *
   * @throws CorpusException naming the part, the minimum and what was found
   */
  public void requireWindows(int length, int batch) {
    long window = length + 1L;
    require("training", train, window * batch, "B·(T + 1) at B = " + batch + ", T = " + length);
    require("validation", validation, window, "T + 1 at T = " + length);
    require("test", test, window, "T + 1 at T = " + length);
  }

  private static void require(String part, List<byte[]> docs, long minimum, String rule) {
    long bytes = docs.stream().mapToLong(d -> d.length).sum();
    if (bytes < minimum) {
      throw new CorpusException(String.format("the corpus is too small: its %s documents hold %,d bytes, the "
          + "minimum is %,d (%s); give more text (the split is %s)", part, bytes, minimum, rule, RULE));
    }
  }
}
