package org.npffn.eval.bench;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.decoding.IncrementalDecoder;

/**
 * The two ways to get the next-byte distribution after t tokens, through a whole language model
 * ({@link DecodeModel}):
 *
 * <ul>
 *   <li>"decode/KIND/t=n": one {@link IncrementalDecoder} step of the n-th token, from a state that already holds
 *       the n-1 earlier ones (attention's KV cache, the embedding's position, the NP layer's running context);
 *   <li>"reforward/KIND/t=n": a full inference forward of all n tokens, of which the last position is read.
 * </ul>
 *
 * The decoding state is built once in {@link #setUp} (a step of the n-1 tokens as one chunk) and put back before
 * every run by {@link #prepare}, untimed: a step extends the state it starts from. Each is checked against the
 * other way in double precision (the same network converted, its parameters copied): the decode step against a
 * full forward's last log-probabilities, the re-forward against a double-precision decode step.
 */
public final class DecodeCase implements BenchCase {
  private static final String AGAINST_FORWARD = "a full forward of the t tokens in double precision, last position";
  private static final String AGAINST_STEP = "an IncrementalDecoder step after t-1 tokens in double precision";
  private final DecodeModel model;
  private final String kind;
  private final boolean decode;
  private final int batch;
  private final int length;
  private ComputationGraph net;
  private IncrementalDecoder decoder;
  private Map<String, Map<String, INDArray>> primed;
  private INDArray ids;
  private double flops;

  /**
   * @param kind dense, moe or np
   * @param decode true for the decode step, false for the full re-forward
   * @param batch B sequences, each of {@code length} tokens
   */
  public DecodeCase(DecodeModel model, String kind, boolean decode, int batch, int length) {
    DecodeModel.arm(kind); // an unknown kind fails here, naming the kinds, not when the bench sets the case up
    this.model = model;
    this.kind = kind;
    this.decode = decode;
    this.batch = batch;
    this.length = length;
  }

  @Override
  public String name() {
    return (decode ? "decode/" : "reforward/") + kind + "/t=" + length;
  }

  @Override
  public void setUp() {
    net = model.network(kind);
    ids = DecodeModel.randomIds(batch, length, 11);
    if (decode) {
      decoder = IncrementalDecoder.of(net);
      primed = prime(decoder, ids);
      flops = batch * model.flopsPerToken(net, length);
    } else {
      // a full forward computes all T x T scores (causal masking does not skip the blocked half)
      flops = batch * length * model.flopsPerToken(net, length);
    }
  }

  /** Clears the decoder and steps the first t-1 tokens of {@code ids} as one chunk; returns a copy of the state. */
  private static Map<String, Map<String, INDArray>> prime(IncrementalDecoder decoder, INDArray ids) {
    decoder.reset();
    decoder.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(0, ids.size(1) - 1)));
    return decoder.state();
  }

  @Override
  public void prepare() {
    if (decode) {
      decoder.restore(primed);
    }
  }

  @Override
  public double run() {
    INDArray out = step(); //                                                  [B, 1, V] or [B, T, V]
    return out.getDouble(0, out.size(1) - 1, 0) + out.getDouble(batch - 1, out.size(1) - 1, 1);
  }

  /**
   * The timed work, from whatever state the decoder holds: the output distribution at the new token, [B, 1, V],
   * or at every position, [B, T, V].
   */
  INDArray step() {
    if (decode) {
      return decoder.step(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(length - 1, length)));
    }
    return net.output(false, ids)[0];
  }

  /** The timed work after {@link #prepare}: the log-probabilities of the next byte after the t tokens, [B, V]. */
  Map<String, INDArray> lastLogProbabilities() {
    prepare();
    INDArray out = step();
    return Map.of("log p", DecodeModel.logProbabilitiesAt(out, out.size(1) - 1));
  }

  /** The other way, in double precision, on the same network and tokens. */
  Map<String, INDArray> reference() {
    ComputationGraph twin = DecodeModel.inDouble(net);
    INDArray idsDouble = ids.castTo(DataType.DOUBLE);
    INDArray out;
    if (decode) {
      out = twin.output(false, idsDouble)[0];
    } else {
      IncrementalDecoder twinDecoder = IncrementalDecoder.of(twin);
      prime(twinDecoder, idsDouble);
      out = twinDecoder.step(idsDouble.get(NDArrayIndex.all(), NDArrayIndex.interval(length - 1, length)));
    }
    return Map.of("log p", DecodeModel.logProbabilitiesAt(out, out.size(1) - 1));
  }

  /** The decode case's decoder (null for a re-forward), e.g. to clear its state as a lost cache would. */
  IncrementalDecoder decoder() {
    return decoder;
  }

  @Override
  public ReferenceCheck checkReference() {
    return ReferenceCheck.compare(decode ? AGAINST_FORWARD : AGAINST_STEP, ReferenceCheck.FLOAT32_TOLERANCE,
        lastLogProbabilities(), reference());
  }

  @Override
  public double flops() {
    return flops;
  }

  @Override
  public String shape() {
    return String.format("B=%d, %s; %s, %s", batch, decode ? "one token after " + (length - 1) + " cached"
        : "T=" + length + " tokens, last position read", DecodeModel.arm(kind).label(), model.describe());
  }
}
