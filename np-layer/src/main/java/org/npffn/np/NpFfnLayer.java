package org.npffn.np;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.ffn.UnitOutputs;
import org.npffn.stack.ffn.UsageReporting;
import org.npffn.stack.ffn.UsageSnapshot;
import org.npffn.stack.layers.RealRows;
import org.npffn.stack.layers.RowGather;
import org.npffn.stack.layers.SequenceLayer;
import org.npffn.stack.layers.SequenceRows;
import org.npffn.stack.layers.StepMode;

/**
 * Implementation of {@link NpFfn} on rows [N, d], N = B·T. The forward is the list of the steps of
 * docs/np-layer.md, each a concept with its forward and backward side by side:
 *
 * <ol>
 *   <li>1-3. the context summary r_t ({@link ContextSummary}: φ, {@link ContextEncoder}, and the causal mean,
 *       {@link ContextAggregator});
 *   <li>[x | r] side by side ({@link JointInput});
 *   <li>6. the group scales s_t ({@link GroupSelector});
 *   <li>4, 5, 7, 8. the decoder on all groups ({@link Decoder}), or at inference with a top-k below M only each
 *       token's k largest groups ({@link TopKGroups});
 *   <li>the usage statistics ({@link GroupStatistics}).
 * </ol>
 *
 * <p>Under rnnTimeStep the layer carries each sequence's running context ({@link ContextSummary.Carry}: the
 * scan's sums, and the last token's half of the next transition pair), so a step costs O(1) in the number of
 * tokens before it and gives the rows the full forward gives them.
 */
public class NpFfnLayer extends SequenceLayer<NpFfn> implements UsageReporting, UnitOutputs {
  /** Step state [B, r]: the context scan's running sum S after each sequence's last position. */
  static final String CONTEXT_SUM = "context.sum";
  /** Step state [B, r]: the context scan's running weight W (the prior counts as 1). */
  static final String CONTEXT_WEIGHT = "context.weight";
  /** Step state [B, r]: h W1a of each sequence's last token (TRANSITION; zeros in TOKEN mode). */
  static final String PREVIOUS_HALF = "context.previousHalf";
  /** Step state [B]: 1 when each sequence's last token was real (a transition pair needs both). */
  static final String PREVIOUS_REAL = "context.previousReal";

  private int inferenceTopK;
  private boolean renormaliseTopK = true;
  private int[] contextDonors;

  /** What the last forward keeps for the backward and for the accessors below. */
  private ContextSummary context;
  private GroupSelector.Scales scales;
  private GroupStatistics.Sums sums;
  private UsageSnapshot usage;
  /** Whether the last forward took the sparse path, which leaves no [N, h] activations for unitOutput. */
  private boolean denseActivationsStale = true;

  public NpFfnLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * Inference-time sparsity: keep only each token's top-k groups (by α) and skip the others' computation. A
   * runtime setting, not saved with the model and not in its JSON; training passes ignore it (training is always
   * dense). k = 0, the default, turns it off: the dense path. k = M computes the dense function through the
   * per-group dispatch (with {@code renormalise}). {@link NpInference#setTopK} sets every NP layer of a network.
   *
   * @param renormalise whether the kept α are renormalised to sum to 1 over the kept groups (for FiLM gates:
   *     whether the kept gates are rescaled to the token's total gate over all groups)
   * @throws IllegalArgumentException naming the layer when k is outside [0, M]
   */
  public void setInferenceTopK(int k, boolean renormalise) {
    checkInferenceTopK(k);
    this.inferenceTopK = k;
    this.renormaliseTopK = renormalise;
  }

  void checkInferenceTopK(int k) {
    int m = layerConf().getGroups();
    if (k < 0 || k > m) {
      throw new IllegalArgumentException(layerId() + ": inference topK = " + k + " must be in [0, groups = " + m
          + "]");
    }
  }

  /**
   * For the context-reliance measurement: at inference, sequence s of the batch is given the context summary
   * r of sequence donors[s] (each position t reads the donor's r_t), as if r came from other text. A runtime
   * setting like the top-k: not saved, ignored by training passes. null, the default, turns it off. A caller
   * that wants "another document's context" picks donors from other documents: the layer cannot know which
   * rows share one. {@link NpInference#setContextDonors} sets every NP layer of a network.
   *
   * @throws IllegalArgumentException at the next forward pass if donors.length is not the batch size, or a
   *     donor is outside [0, B)
   */
  public void setContextDonors(int[] donors) {
    this.contextDonors = donors == null ? null : donors.clone();
  }

  @Override
  public Optional<UsageSnapshot> lastUsage() {
    return Optional.ofNullable(usage);
  }

  /**
   * Each row's group weights α from the last forward pass, [N·M] row-major: the softmax shares (FiLM: the scales
   * normalised per row), as top-k inference ranks the groups by them. For checks that rebuild the output from
   * the groups (the bench's reference of the top-k path). Needs a pass that ran whole (any inference pass).
   */
  public double[] lastGroupShares() {
    Preconditions.checkState(rows != null && scales != null && lastForwardBlocks() == 1,
        "%s: needs a forward pass that ran whole (a training step in blocks of sequences keeps its α in the "
        + "blocks)", layerConf().getLayerName());
    return scales.alpha().clone();
  }

  @Override
  public int units() {
    return layerConf().getGroups();
  }

  /**
   * Group u's contribution act(x W_up + r U + b_up)[:, group u] · W_down[group u, :] on every row of the last
   * forward pass, before its gate, without b_down (a bias shared by all groups would make them look alike).
   * Reads the activations the dense forward path keeps, so inference top-k must be off.
   */
  @Override
  public INDArray unitOutput(int u) {
    Preconditions.checkState(rows != null && !denseActivationsStale, "%s: needs a dense forward pass first "
        + "(inference top-k off; a training step in blocks of sequences keeps no whole-batch activations)",
        layerConf().getLayerName());
    Preconditions.checkElementIndex(u, units(), "group");
    return new Decoder(layerConf(), buffers).groupOutput(u, rows.tokens(), rows.x().dataType(), params);
  }

  /**
   * A token's output depends on its own sequence only (its causal context), so a training step may run in
   * blocks of sequences (SequenceBlocks); the statistics are then gathered from the blocks.
   */
  @Override
  protected boolean sequencesIndependent() {
    return true;
  }

  /** The statistics of the whole batch, from the blocks' sums. */
  @Override
  protected void afterForwardInBlocks(List<? extends SequenceLayer<NpFfn>> shards) {
    GroupStatistics.Sums total = ((NpFfnLayer) shards.get(0)).sums;
    for (int i = 1; i < shards.size(); i++) {
      total = total.plus(((NpFfnLayer) shards.get(i)).sums);
    }
    recordStatistics(total, null, Double.NaN);
    denseActivationsStale = true;
  }

  @Override
  protected INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training) {
    NpFfn c = layerConf();
    INDArray x = in.x(); //                                                           [N, d]
    int b = (int) in.batch();
    int t = (int) in.length();
    int n = b * t;
    int width = c.getContextWidth();
    boolean[] real = RealRows.of(rowMask, n);

    // 1-3. r_t = (r_0 + Σ_{i ∈ ctx(t)} φ(c_i)) / (n_t + 1)                              [N, r]
    context = new ContextSummary(c, buffers);
    if (isStepping() && contextDonors != null) {
      throw new IllegalStateException(layerId() + ": context donors are a measurement of full passes; clear "
          + "them (setContextDonors(null)) before rnnTimeStep");
    }
    double[] rValues = context.forward(x, real, b, t, params, isStepping() ? carry(b) : null);
    if (isStepping()) {
      keep(context.carryAfter(x, real, b, t), b);
    }
    if (contextDonors != null && !training) {
      rValues = ContextSummary.fromDonors(rValues, contextDonors, b, t, width, layerId());
    }
    INDArray r = buffers.get("r", x.dataType(), n, width);
    RowGather.setValues(r, rValues);
    if (JointInput.used(c) && (training || c.getGating() == GroupGating.SOFTMAX)) {
      JointInput.write(buffers, x, rValues, width); //                                       [N, d + r]
    }
    // 6. group scales s_t: M·softmax(A2 A1 [h; r]) or 1 + tanh(G r)                      [N, M]
    scales = new GroupSelector(c, buffers).forward(r, params);
    GroupStatistics.Sums passSums = GroupStatistics.Sums.of(scales.alpha(), real, c.getGroups());
    INDArray y;
    denseActivationsStale = !training && inferenceTopK > 0;
    if (denseActivationsStale) {
      // 4-8 at inference on each token's top-k groups only
      TopKGroups.Output top = TopKGroups.forward(c, buffers, params, x, r, scales, real, inferenceTopK,
          renormaliseTopK);
      y = top.y();
      recordStatistics(passSums, top.load(), Double.NaN);
    } else {
      // 4-8. y = W_down [gelu(W_up h + U r + b_up) ⊙ expand(s)] + b_down                 [N, d]
      Decoder.Output out = new Decoder(c, buffers).forward(x, r, scales.scale(), real, training, !isStepping(),
          params);
      y = out.y();
      recordStatistics(passSums, null, out.reliance());
    }
    if (rowMask != null) {
      y.muliColumnVector(rowMask);
    }
    return y;
  }

  @Override
  protected INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews) {
    NpFfn c = layerConf();
    INDArray x = rows.x();
    DataType dt = x.dataType();
    int b = (int) rows.batch();
    int t = (int) rows.length();
    int n = b * t;
    long d = c.getNIn();
    long joint = d + c.getContextWidth();

    // forward was y = decoder(...) ⊙ mask
    INDArray dy = dOut;
    if (rowMask != null) {
      dy = buffers.get("dyMasked", dt, n, d).assign(dOut).muliColumnVector(rowMask);
    }
    INDArray dx = buffers.get("dx", dt, n, d);
    INDArray xr = JointInput.used(c) ? buffers.get("xr", dt, n, joint) : null;
    INDArray dxr = JointInput.used(c) ? buffers.get("dxr", dt, n, joint) : null; //              [N, d + r]
    // 8-4. the decoder: its gradients, dL/ds, and dL/dx (no U) or dL/d[x | r] (U)
    double[] dScale = new Decoder(c, buffers).backward(dy, x, dx, dxr, params, gradViews);
    // 6. the selector: its gradients, and its part of dL/d[x | r] (softmax) or of dL/dr (FiLM)
    INDArray r = buffers.get("r", dt, n, c.getContextWidth());
    INDArray drFilm = new GroupSelector(c, buffers).backward(scales, dScale, r, xr, dxr, params, gradViews);
    double[] dr = JointInput.split(c, buffers, dxr, dx, drFilm);
    // 3-1. the context summary: φ's, r_0's and the decay's gradients, and φ's part of dL/dx
    context.backward(dr, x, b, t, params, gradViews, dx);
    return dx;
  }

  @Override
  protected StepMode stepMode() {
    return StepMode.CARRIES_STATE;
  }

  @Override
  protected List<String> stepStateKeys() {
    return List.of(CONTEXT_SUM, CONTEXT_WEIGHT, PREVIOUS_HALF, PREVIOUS_REAL);
  }

  /** The running context the earlier steps left, or null (the sequences' start) before the first step. */
  private ContextSummary.Carry carry(int b) {
    if (stepState.isEmpty()) {
      return null;
    }
    double[] previous = stepState.get(PREVIOUS_REAL).toDoubleVector();
    boolean[] previousReal = new boolean[b];
    for (int s = 0; s < b; s++) {
      previousReal[s] = previous[s] != 0;
    }
    return new ContextSummary.Carry(values(CONTEXT_SUM), values(CONTEXT_WEIGHT), values(PREVIOUS_HALF),
        previousReal);
  }

  private double[] values(String key) {
    return RowGather.values(stepState.get(key));
  }

  private void keep(ContextSummary.Carry carry, int b) {
    long width = layerConf().getContextWidth();
    double[] half = carry.previousHalf().length == 0 ? new double[(int) (b * width)] : carry.previousHalf();
    double[] previousReal = new double[b];
    for (int s = 0; s < b; s++) {
      previousReal[s] = carry.previousReal()[s] ? 1 : 0;
    }
    write(CONTEXT_SUM, carry.sum(), b, width);
    write(CONTEXT_WEIGHT, carry.weight(), b, width);
    write(PREVIOUS_HALF, half, b, width);
    write(PREVIOUS_REAL, previousReal, b);
  }

  /**
   * Writes a state array in place when the stored one has its shape (a decode step then allocates no native
   * array), else stores a new one. The stored arrays are the state's own (StepState hands out and takes in
   * copies), so writing into them changes no caller's array.
   */
  private void write(String key, double[] values, long... shape) {
    INDArray stored = stepState.get(key);
    if (stored == null || stored.dataType() != DataType.DOUBLE || !Arrays.equals(stored.shape(), shape)) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        stored = Nd4j.create(DataType.DOUBLE, shape);
      }
      stepState.putOwned(key, stored);
    }
    RowGather.setValues(stored, values);
  }

  private void recordStatistics(GroupStatistics.Sums passSums, double[] topKLoad, double reliance) {
    sums = passSums;
    usage = GroupStatistics.snapshot(layerConf().getLayerName() == null ? "np" : layerConf().getLayerName(),
        passSums, topKLoad, reliance);
  }

  @Override
  public void clear() {
    super.clear();
    context = null;
  }
}
