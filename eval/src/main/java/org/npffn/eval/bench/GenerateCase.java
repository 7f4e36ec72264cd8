package org.npffn.eval.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.decoding.Generator;
import org.npffn.stack.decoding.Sampling;

/**
 * "generate/KIND/B=n": {@link Generator} continuing n prompts of P random bytes by G new bytes each, greedily, in
 * one batch: priming the prompts, then G - 1 decoding steps (the last token is picked, not fed). Reported as
 * tokens/s (n·G new tokens per run) beside the time.
 *
 * <p>Checked against one teacher-forced forward of the same network in double precision over each prompt and its
 * continuation: by causality, its distribution at position P - 1 + i is the one the i-th new token was picked
 * from. A picked token counts as the reference's when it is the reference's argmax up to {@link #TIE} in
 * log-probability (float32 and double can order two almost equal bytes either way); otherwise the reference's
 * argmax stands in its place, and the check fails.
 */
public final class GenerateCase implements BenchCase {
  /** Log-probabilities this close to the best count as a tie. */
  static final double TIE = 1e-4;
  private static final String AGAINST = "the argmax of a teacher-forced forward in double precision";
  private final DecodeModel model;
  private final String kind;
  private final int batch;
  private final int promptLength;
  private final int newTokens;
  private ComputationGraph net;
  private Generator generator;
  private List<int[]> prompts;
  private Sampling sampling;
  private double flops;

  /**
   * @param kind dense, moe or np
   * @param batch n prompts, generated as one batch
   * @param promptLength P bytes per prompt
   * @param newTokens G new bytes per prompt
   */
  public GenerateCase(DecodeModel model, String kind, int batch, int promptLength, int newTokens) {
    DecodeModel.arm(kind); // an unknown kind fails here, naming the kinds, not when the bench sets the case up
    this.model = model;
    this.kind = kind;
    this.batch = batch;
    this.promptLength = promptLength;
    this.newTokens = newTokens;
  }

  @Override
  public String name() {
    return "generate/" + kind + "/B=" + batch;
  }

  @Override
  public void setUp() {
    net = model.network(kind);
    generator = Generator.of(net);
    sampling = Sampling.greedy().withMaxNewTokens(newTokens).withSeed(1);
    INDArray ids = DecodeModel.randomIds(batch, promptLength, 13);
    prompts = new ArrayList<>();
    for (int s = 0; s < batch; s++) {
      prompts.add(ids.getRow(s).toIntVector());
    }
    // the prompt's forward (all P x P scores), then one step per fed new token
    flops = promptLength * model.flopsPerToken(net, promptLength);
    for (int i = 1; i < newTokens; i++) {
      flops += model.flopsPerToken(net, promptLength + i);
    }
    flops *= batch;
  }

  @Override
  public double run() {
    double sum = 0;
    for (int[] g : generate()) {
      for (int id : g) {
        sum += id;
      }
    }
    return sum;
  }

  /** The timed work: each prompt's new tokens. */
  List<int[]> generate() {
    return generator.generate(prompts, sampling, null);
  }

  /** The timed work, as an array [B, G] of the new ids. */
  Map<String, INDArray> generated() {
    return Map.of("ids", ids(generate()));
  }

  /**
   * The reference's tokens for the continuations {@code ran}: the run's where it is the double-precision argmax
   * up to {@link #TIE}, the argmax elsewhere; [B, G].
   */
  Map<String, INDArray> reference(List<int[]> ran) {
    ComputationGraph twin = DecodeModel.inDouble(net);
    int length = promptLength + newTokens - 1;
    INDArray input = Nd4j.create(DataType.DOUBLE, batch, length);
    for (int s = 0; s < batch; s++) {
      for (int t = 0; t < length; t++) {
        input.putScalar(s, t, t < promptLength ? prompts.get(s)[t] : ran.get(s)[t - promptLength]);
      }
    }
    INDArray out = twin.output(false, input)[0]; //                             [B, T, V]
    List<int[]> chosen = new ArrayList<>();
    for (int s = 0; s < batch; s++) {
      chosen.add(new int[newTokens]);
    }
    for (int i = 0; i < newTokens; i++) {
      INDArray logP = DecodeModel.logProbabilitiesAt(out, promptLength - 1 + i); //      [B, V]
      for (int s = 0; s < batch; s++) {
        double[] row = logP.getRow(s).toDoubleVector();
        int best = 0;
        for (int v = 1; v < row.length; v++) {
          best = row[v] > row[best] ? v : best;
        }
        int picked = ran.get(s)[i];
        chosen.get(s)[i] = row[picked] >= row[best] - TIE ? picked : best;
      }
    }
    return Map.of("ids", ids(chosen));
  }

  private INDArray ids(List<int[]> rows) {
    INDArray a = Nd4j.create(DataType.DOUBLE, batch, newTokens);
    for (int s = 0; s < batch; s++) {
      for (int i = 0; i < newTokens; i++) {
        a.putScalar(s, i, rows.get(s)[i]);
      }
    }
    return a;
  }

  @Override
  public ReferenceCheck checkReference() {
    Map<String, INDArray> ran = generated();
    List<int[]> rows = new ArrayList<>();
    for (int s = 0; s < batch; s++) {
      rows.add(ran.get("ids").getRow(s).toIntVector());
    }
    return ReferenceCheck.compare(AGAINST, ReferenceCheck.FLOAT32_TOLERANCE, ran, reference(rows));
  }

  @Override
  public double flops() {
    return flops;
  }

  @Override
  public double tokens() {
    return (double) batch * newTokens;
  }

  @Override
  public String shape() {
    return String.format("B=%d prompts of %d random bytes, %d new each, greedy; %s, %s", batch, promptLength,
        newTokens, DecodeModel.arm(kind).label(), model.describe());
  }
}
