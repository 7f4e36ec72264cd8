package org.npffn.eval.data;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Cuts documents into next-byte prediction windows of length T. A window never crosses a document
 * boundary: input bytes d[s .. s+T), targets d[s+1 .. s+T]; a document shorter than T+1 bytes gives one
 * window padded with id 0 and masked.
 */
public final class ByteWindows {
  /** Byte-level vocabulary. */
  public static final int VOCAB = 256;

  private final List<byte[]> documents;
  private final long[] cumulative;
  private final int length;

  /**
   * @param documents the documents to cut
   * @param length T, the window length
   */
  public ByteWindows(List<byte[]> documents, int length) {
    this.documents = documents;
    this.length = length;
    this.cumulative = new long[documents.size() + 1];
    for (int i = 0; i < documents.size(); i++) {
      cumulative[i + 1] = cumulative[i] + documents.get(i).length;
    }
  }

  /**
   * B training windows at random positions: a byte is drawn uniformly over all text, so long documents are
   * sampled in proportion to their length.
   */
  public TokenBatch random(Random rng, int batch) {
    int[][] windows = new int[batch][];
    for (int b = 0; b < batch; b++) {
      long p = (long) (rng.nextDouble() * cumulative[cumulative.length - 1]);
      int doc = documentOf(p);
      int len = documents.get(doc).length;
      int start = len <= length + 1 ? 0 : rng.nextInt(len - length);
      windows[b] = new int[] {doc, start};
    }
    return batch(windows);
  }

  /**
   * Deterministic evaluation batches: consecutive windows of every document with stride T, so every byte
   * after a document's first is predicted exactly once, until {@code maxTokens} tokens are covered
   * (or all the text is).
   */
  public List<TokenBatch> evaluation(int batch, long maxTokens) {
    List<int[]> all = windows(maxTokens);
    List<TokenBatch> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i += batch) {
      out.add(batch(all.subList(i, Math.min(all.size(), i + batch)).toArray(new int[0][])));
    }
    return out;
  }

  /**
   * Evaluation batches of 2·⌊B/2⌋ windows in which row s and row s + ⌊B/2⌋ always come from different
   * documents: the first half of each batch is cut from the documents before a split point, the second half
   * from those after it, the split chosen so both sides hold about as many windows. {@link #crossDocumentDonors}
   * gives the donor of each row, for the NP's shuffled-context measurement. Windows the shorter side cannot pair
   * are left out; the same windows as {@link #evaluation} up to {@code maxTokens} are drawn from.
   *
   * @return the batches; none when every window comes from one document
   * @throws IllegalArgumentException when B &lt; 2
   */
  public List<TokenBatch> crossDocumentPairs(int batch, long maxTokens) {
    Preconditions.checkArgument(batch >= 2, "batch = %s: pairs need at least 2 rows", batch);
    List<int[]> all = windows(maxTokens);
    int half = batch / 2;
    // split between documents, at the first document boundary past half of the windows
    int cut = all.size() / 2;
    while (cut < all.size() && cut > 0 && all.get(cut)[0] == all.get(cut - 1)[0]) {
      cut++;
    }
    List<int[]> first = all.subList(0, cut);
    List<int[]> second = all.subList(cut, all.size());
    int pairs = Math.min(first.size(), second.size());
    List<TokenBatch> out = new ArrayList<>();
    for (int i = 0; i < pairs; i += half) {
      int n = Math.min(half, pairs - i);
      int[][] rows = new int[2 * n][];
      for (int j = 0; j < n; j++) {
        rows[j] = first.get(i + j);
        rows[n + j] = second.get(i + j);
      }
      out.add(batch(rows));
    }
    return out;
  }

  /** Row s's partner in a batch of {@link #crossDocumentPairs}: s + B/2 for the first half, s − B/2 after. */
  public static int[] crossDocumentDonors(int rows) {
    Preconditions.checkArgument(rows % 2 == 0, "rows = %s must be even", rows);
    int[] donors = new int[rows];
    for (int s = 0; s < rows; s++) {
      donors[s] = (s + rows / 2) % rows;
    }
    return donors;
  }

  /** Consecutive windows of every document with stride T, [document, start] each, up to maxTokens tokens. */
  private List<int[]> windows(long maxTokens) {
    List<int[]> all = new ArrayList<>();
    long tokens = 0;
    for (int d = 0; d < documents.size() && tokens < maxTokens; d++) {
      int len = documents.get(d).length;
      for (int s = 0; s < Math.max(1, len - 1) && tokens < maxTokens; s += length) {
        all.add(new int[] {d, s});
        tokens += Math.min(length, Math.max(0, len - 1 - s));
      }
    }
    return all;
  }

  private int documentOf(long position) {
    int lo = 0;
    int hi = documents.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (cumulative[mid] <= position) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private TokenBatch batch(int[][] windows) {
    int b = windows.length;
    float[] ids = new float[b * length];
    float[] labels = new float[b * length * VOCAB];
    float[] mask = new float[b * length];
    long real = 0;
    for (int i = 0; i < b; i++) {
      byte[] doc = documents.get(windows[i][0]);
      int start = windows[i][1];
      for (int t = 0; t < length && start + t + 1 < doc.length; t++) {
        ids[i * length + t] = doc[start + t] & 0xFF;
        labels[(i * length + t) * VOCAB + (doc[start + t + 1] & 0xFF)] = 1;
        mask[i * length + t] = 1;
        real++;
      }
    }
    return new TokenBatch(Nd4j.create(ids, new long[] {b, length}, 'c'),
        Nd4j.create(labels, new long[] {b, length, VOCAB}, 'c'), Nd4j.create(mask, new long[] {b, length}, 'c'),
        real);
  }

  /** Unigram (byte-frequency) entropy of these documents in bits per byte: the floor a context-free model hits. */
  public double unigramEntropyBits() {
    long[] counts = new long[VOCAB];
    long n = 0;
    for (byte[] d : documents) {
      for (byte x : d) {
        counts[x & 0xFF]++;
        n++;
      }
    }
    double h = 0;
    for (long c : counts) {
      if (c > 0) {
        double p = (double) c / n;
        h -= p * Math.log(p) / Math.log(2);
      }
    }
    return h;
  }
}
