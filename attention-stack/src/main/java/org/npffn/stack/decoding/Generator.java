package org.npffn.stack.decoding;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.embedding.TokenPositionEmbedding;

/**
 * Text generation from a language model built from the stack (TransformerStack, or a MultiLayerNetwork of its
 * layers): a batch of prompts, of any lengths, continued token by token with the {@link IncrementalDecoder}, so
 * each new token costs one step of the cached model rather than a forward over everything so far.
 *
 * <pre>
 * Generator g = Generator.of(net);
 * int[] next = g.generate(promptIds, Sampling.greedy().withMaxNewTokens(100));
 * </pre>
 *
 * Prompts of different lengths are left-padded into one batch and masked, and positions count real tokens
 * only, so a prompt's continuation does not depend on the other prompts of its batch (beyond rounding, and
 * beyond the draws: each sequence has its own random stream, seeded by the seed and its index). Generation
 * runs the model in inference mode; it is not thread-safe (the network holds the decoding state).
 */
public final class Generator {
  private final IncrementalDecoder decoder;
  private final long maxLength;
  private final long vocabSize;

  /** Receives each generated token as soon as it is picked: sequence index (in the prompts' order) and id. */
  @FunctionalInterface
  public interface TokenListener {
    void onToken(int sequence, int token);
  }

  private Generator(IncrementalDecoder decoder, Layer[] layers) {
    this.decoder = decoder;
    TokenPositionEmbedding embedding = null;
    for (Layer l : layers) {
      if (l.conf().getLayer() instanceof TokenPositionEmbedding e) {
        embedding = e;
      }
    }
    Preconditions.checkArgument(embedding != null, "Generator: the network has no TokenPositionEmbedding layer "
        + "to take token ids");
    this.maxLength = embedding.getMaxLength();
    this.vocabSize = embedding.getNIn();
  }

  public static Generator of(ComputationGraph net) {
    return new Generator(IncrementalDecoder.of(net), net.getLayers());
  }

  public static Generator of(MultiLayerNetwork net) {
    return new Generator(IncrementalDecoder.of(net), net.getLayers());
  }

  /** The longest context the model takes: its position embeddings' length. */
  public long maxLength() {
    return maxLength;
  }

  /** One prompt's continuation: the generated ids, without the prompt. */
  public int[] generate(int[] prompt, Sampling sampling) {
    return generate(List.of(prompt), sampling, null).get(0);
  }

  /**
   * Continues every prompt; returns the generated ids of each (without its prompt), in the prompts' order.
   *
   * @param listener called for each token as it is generated (streaming), or null
   * @throws IllegalArgumentException for no prompts, an empty prompt, an id outside the vocabulary, or, without
   *     a sliding window, a prompt plus maxNewTokens that passes the model's maxLength (naming the limit)
   */
  public List<int[]> generate(List<int[]> prompts, Sampling sampling, TokenListener listener) {
    Preconditions.checkNotNull(sampling, "sampling");
    Preconditions.checkArgument(prompts != null && !prompts.isEmpty(), "Generator: no prompts");
    int b = prompts.size();
    List<List<Integer>> history = new ArrayList<>();
    for (int s = 0; s < b; s++) {
      history.add(checkedPrompt(prompts.get(s), s));
    }
    int longest = history.stream().mapToInt(List::size).max().orElseThrow();
    if (!sampling.slidingWindow() && longest + sampling.maxNewTokens() - 1 > maxLength) {
      throw new IllegalArgumentException(String.format("Generator: a prompt of %d tokens plus %d new ones needs "
          + "%d positions but the model's maxLength is %d (its position embeddings); shorten them, or ask for "
          + "Sampling.withSlidingWindow(true)", longest, sampling.maxNewTokens(),
          longest + sampling.maxNewTokens() - 1, maxLength));
    }
    Random[] rngs = new Random[b];
    for (int s = 0; s < b; s++) {
      rngs[s] = new Random(sampling.seed() + 0x9E3779B97F4A7C15L * s);
    }
    List<List<Integer>> generated = new ArrayList<>();
    for (int s = 0; s < b; s++) {
      generated.add(new ArrayList<>());
    }
    boolean[] done = new boolean[b];
    // past maxLength (sliding window only) the context is re-encoded from each sequence's last half-window
    int window = (int) Math.max(1, maxLength / 2);
    Primed primed = prime(history, longest <= maxLength ? longest : window);
    long fed = primed.positions();
    INDArray next = primed.last(); //                                                  [B, V]
    for (int n = 0; ; n++) {
      boolean allDone = true;
      for (int s = 0; s < b; s++) {
        if (done[s]) {
          continue;
        }
        int token = NextToken.pick(next.getRow(s).toDoubleVector(), sampling, rngs[s]);
        history.get(s).add(token);
        generated.get(s).add(token);
        if (listener != null) {
          listener.onToken(s, token);
        }
        done[s] = endsWithStop(generated.get(s), sampling.stopSequences());
        allDone &= done[s];
      }
      if (allDone || n + 1 == sampling.maxNewTokens()) {
        break;
      }
      if (fed + 1 > maxLength) {
        primed = prime(history, window);
        fed = primed.positions();
        next = primed.last();
      } else {
        // every sequence steps (a finished one too, ignored after): one batch, one position each
        INDArray ids = Nd4j.create(DataType.DOUBLE, b, 1);
        for (int s = 0; s < b; s++) {
          List<Integer> h = history.get(s);
          ids.putScalar(s, 0, h.get(h.size() - 1));
        }
        next = decoder.step(ids).get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all());
        fed++;
      }
    }
    decoder.reset();
    List<int[]> out = new ArrayList<>();
    for (List<Integer> g : generated) {
      out.add(g.stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }

  /** What priming left: the positions fed and the output at the last one, [B, V]. */
  private record Primed(long positions, INDArray last) {}

  /**
   * Clears the state and feeds the last {@code keep} tokens of each history as one left-padded, masked batch.
   */
  private Primed prime(List<List<Integer>> history, int keep) {
    int b = history.size();
    int length = 0;
    for (List<Integer> h : history) {
      length = Math.max(length, Math.min(keep, h.size()));
    }
    INDArray ids = Nd4j.zeros(DataType.DOUBLE, b, length);
    INDArray mask = Nd4j.zeros(DataType.DOUBLE, b, length);
    for (int s = 0; s < b; s++) {
      List<Integer> h = history.get(s);
      List<Integer> tail = h.subList(Math.max(0, h.size() - keep), h.size());
      int pad = length - tail.size();
      for (int i = 0; i < tail.size(); i++) {
        ids.putScalar(s, pad + i, tail.get(i));
        mask.putScalar(s, pad + i, 1);
      }
    }
    decoder.reset();
    INDArray out = decoder.step(ids, mask); //                                          [B, T, V]
    return new Primed(length, out.get(NDArrayIndex.all(), NDArrayIndex.point(length - 1), NDArrayIndex.all()));
  }

  private List<Integer> checkedPrompt(int[] prompt, int index) {
    Preconditions.checkArgument(prompt != null && prompt.length > 0, "Generator: prompt %s is empty", index);
    List<Integer> h = new ArrayList<>();
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= vocabSize) {
        throw new IllegalArgumentException(String.format("Generator: prompt %d holds id %d at position %d, "
            + "outside the model's vocabulary [0, %d)", index, prompt[i], i, vocabSize));
      }
      h.add(prompt[i]);
    }
    return h;
  }

  private static boolean endsWithStop(List<Integer> generated, List<int[]> stops) {
    for (int[] stop : stops) {
      int from = generated.size() - stop.length;
      if (from < 0) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < stop.length && match; i++) {
        match = generated.get(from + i) == stop[i];
      }
      if (match) {
        return true;
      }
    }
    return false;
  }
}
