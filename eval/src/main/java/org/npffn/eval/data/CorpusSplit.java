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
}
