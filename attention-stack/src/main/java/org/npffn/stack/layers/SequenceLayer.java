package org.npffn.stack.layers;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * Base implementation of a sequence layer that computes on token rows [N, C] (N = B*T).
 *
 * <p>It turns the input (NCW or NWC) and DL4J's [B, T] mask into rows once, hands the subclass a
 * {@link SequenceRows}, and copies the subclass's result rows back into DL4J's workspaces in the layer's
 * format: ACTIVATIONS for the output, ACTIVATION_GRAD for the input gradient. Subclasses write parameter
 * gradients straight into the gradient views they are given, and keep what the backward needs in their
 * {@link ScratchBuffers}.
 *
 * <p>Under DL4J's {@code rnnTimeStep} a layer sees only the new tokens of each sequence; it is a
 * {@link RecurrentLayer} so that DL4J hands it those tokens through rnnTimeStep and manages its
 * {@link StepState} with rnnGet/Set/ClearPreviousState. Each subclass declares its {@link StepMode}: a
 * per-token layer steps with its ordinary forward, a layer that carries state reads and extends
 * {@link #stepState} in {@link #forwardRows} when {@link #isStepping()}.
 */
public abstract class SequenceLayer<C extends SequenceLayerConf> extends BaseLayer<C> implements RecurrentLayer {

  /** The work arrays of this layer instance. */
  protected final ScratchBuffers buffers = new ScratchBuffers();
  /** The rows of the last training forward pass, kept for the backward. */
  protected SequenceRows rows;
  /** The row mask [N, 1] of the last forward pass (1 = real token), or null when nothing is masked. */
  protected INDArray rowMask;
  /** Training steps in blocks of whole sequences on several workers, for layers that allow it. */
  private final SequenceBlocks<C> blocks = new SequenceBlocks<>(this, CoreParallel.fromSystemProperty());
  private int lastForwardBlocks = 1;
  /** What the layer carries between rnnTimeStep calls (empty for a per-token layer). */
  protected final StepState stepState = new StepState();
  private boolean stepping;
  private INDArray stepMask;

  protected SequenceLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * Forward on rows. The returned [N, nOut] array may be a scratch buffer; it is copied out.
   *
   * @param in the input rows
   * @param rowMask [N, 1] with 1 for real tokens and 0 for padding, or null
   * @param training whether this is a training pass (the backward will follow)
   */
  protected abstract INDArray forwardRows(SequenceRows in, INDArray rowMask, boolean training);

  /**
   * Backward on rows, after a training forward. Writes dL/dparam into {@code gradViews} (overwriting) and
   * returns dL/dinput rows [N, C] (may be a scratch buffer), or null for a layer with no input gradient.
   *
   * @param dOut dL/doutput rows [N, nOut], summed over the minibatch as DL4J's epsilon is
   */
  protected abstract INDArray backwardRows(INDArray dOut, Map<String, INDArray> gradViews);

  /** How this layer computes under rnnTimeStep: per token, or with a state carried between calls. */
  protected abstract StepMode stepMode();

  /**
   * The keys of the arrays a layer of mode {@link StepMode#CARRIES_STATE} keeps in {@link #stepState}, for
   * rnnSetPreviousState's check; none for a per-token layer.
   */
  protected List<String> stepStateKeys() {
    return List.of();
  }

  /** Whether the forward under way is an rnnTimeStep (the state in {@link #stepState} applies). */
  protected boolean isStepping() {
    return stepping;
  }

  /**
   * The [B, T] mask (1 = real token, 0 = padding) of the tokens of the next rnnTimeStep calls, or null for all
   * real. DL4J's rnnTimeStep clears the network's masks, so stepwise decoding with padding sets this instead
   * (org.npffn.stack.decoding.IncrementalDecoder sets it on every layer). A mask set by DL4J (setLayerMaskArrays)
   * takes precedence.
   */
  public void setStepMask(INDArray mask) {
    this.stepMask = mask;
  }

  /**
   * Whether this layer's output rows, and their gradients, depend only on rows of the same sequence, with no
   * state shared across the batch. Such a layer's training steps run in blocks of whole sequences, one block
   * per worker, when -Dnpffn.workers is above 1 ({@link SequenceBlocks}); the default is false.
   */
  protected boolean sequencesIndependent() {
    return false;
  }

  /**
   * Called after a training forward that ran in blocks, with the shards that ran them (instances of this
   * class, in block order): a layer that keeps statistics of the whole batch gathers them here. {@link #rows}
   * and {@link #rowMask} are set.
   */
  protected void afterForwardInBlocks(List<? extends SequenceLayer<C>> shards) {
  }

  /**
   * How many blocks of sequences the last forward ran in: 1 unless it was a training pass of a layer with
   * {@link #sequencesIndependent} and more than one worker, on enough tokens for two blocks.
   */
  public int lastForwardBlocks() {
    return lastForwardBlocks;
  }

  /** The shards that ran the last forward in blocks, in block order; empty after a forward that ran whole. */
  protected List<? extends SequenceLayer<C>> lastForwardShards() {
    return blocks.active() ? blocks.shards() : List.of();
  }

  /**
   * Another instance of this layer over the same parameters, for {@link SequenceBlocks}: the same flat view
   * and the same parameter table (a replaced table, setParamTable, reaches the shards too).
   */
  @SuppressWarnings("unchecked")
  SequenceLayer<C> newShard() {
    SequenceLayer<C> shard = (SequenceLayer<C>) layerConf().instantiate(conf, Collections.emptyList(), getIndex(),
        paramsFlattened, false, dataType);
    shard.setParamTable(params);
    return shard;
  }

  Map<String, INDArray> gradViews() {
    return gradientViews;
  }

  /**
   * Takes the flat vector in the layout {@link #params()} returns, as ComputationGraph.setParams does.
   * BaseLayer's version reshapes each parameter in 'f' order, which scrambles the c-order matrices of these
   * layers (a regression test checks that a copied layer computes the same function).
   */
  @Override
  public void setParams(INDArray params) {
    if (params == paramsFlattened || paramsFlattened == null) {
      super.setParams(params);
      return;
    }
    if (params.length() != paramsFlattened.length()) {
      throw new IllegalArgumentException(layerId() + ": setParams got " + params.length() + " values for "
          + paramsFlattened.length() + " parameters");
    }
    paramsFlattened.assign(params.reshape(paramsFlattened.shape()));
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    checkInput(input);
    SequenceRows in = toRows(input);
    INDArray mask = in.rowMask(maskArray != null || !stepping ? maskArray : stepMask, dataType, buffers);
    if (stepping) {
      stepState.checkBatch(in.batch(), layerId());
    }
    long[] cut = training && sequencesIndependent() ? blocks.sequenceCut(in.batch(), in.length()) : null;
    blocks.reset();
    INDArray out = cut == null ? forwardRows(in, mask, training) : blocks.forward(in, mask, cut);
    rows = in;
    rowMask = mask;
    lastForwardBlocks = cut == null ? 1 : cut.length - 1;
    if (cut != null) {
      afterForwardInBlocks(blocks.shards());
    }
    return in.toSequence(out, workspaceMgr, ArrayType.ACTIVATIONS);
  }

  /**
   * Refuses an input the layer cannot compute on, naming the layer, the expected and the found
   * ({@link SequenceInputCheck}); a subclass with other input (ids) overrides this with its own rules.
   */
  protected void checkInput(INDArray seq) {
    SequenceLayerConf c = layerConf();
    new SequenceInputCheck(layerId(), c.getDataFormat(), c.getNIn(), dataType, c instanceof FfnSlotConf)
        .check(seq);
  }

  /** Input [B, C, T] / [B, T, C] to rows; a subclass with other input (ids) overrides this. */
  protected SequenceRows toRows(INDArray seq) {
    return SequenceRows.of(seq, layerConf().getDataFormat(), buffers, "input.rows");
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (rows == null) {
      throw new IllegalStateException(layerId() + ": backpropGradient called before a training forward pass");
    }
    SequenceRows dOut = SequenceRows.of(epsilon, layerConf().getDataFormat(), buffers, "epsilon.rows");
    if (dOut.tokens() != rows.tokens()) {
      throw new IllegalArgumentException(layerId() + ": epsilon has shape " + Arrays.toString(epsilon.shape())
          + " but the forward pass had B = " + rows.batch() + ", T = " + rows.length());
    }
    INDArray dIn = blocks.active() ? blocks.backward(dOut.x(), gradientViews, gradientsFlattened)
        : backwardRows(dOut.x(), gradientViews);
    Gradient g = new DefaultGradient(gradientsFlattened);
    for (String key : paramTable().keySet()) {
      g.setGradientFor(key, gradientViews.get(key));
    }
    INDArray dInSeq = dIn == null ? null : rows.toSequence(dIn, workspaceMgr, ArrayType.ACTIVATION_GRAD);
    return new Pair<>(g, dInSeq);
  }

  /**
   * The forward on the new tokens {@code input} of each sequence, continuing from the stored state: the same
   * logits as a full forward over everything stepped so far (docs/generation.md). Inference mode (no dropout,
   * no router noise).
   */
  @Override
  public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    setInput(input, workspaceMgr);
    stepping = true;
    try {
      return activate(false, workspaceMgr);
    } finally {
      stepping = false;
    }
  }

  @Override
  public Map<String, INDArray> rnnGetPreviousState() {
    return stepState.copy();
  }

  @Override
  public void rnnSetPreviousState(Map<String, INDArray> state) {
    stepState.replace(state, layerId(), stepStateKeys().toArray(new String[0]));
  }

  @Override
  public void rnnClearPreviousState() {
    stepState.clear();
  }

  @Override
  public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
      LayerWorkspaceMgr workspaceMgr) {
    throw truncatedBpttUnsupported();
  }

  @Override
  public Map<String, INDArray> rnnGetTBPTTState() {
    throw truncatedBpttUnsupported();
  }

  @Override
  public void rnnSetTBPTTState(Map<String, INDArray> state) {
    throw truncatedBpttUnsupported();
  }

  @Override
  public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackLength,
      LayerWorkspaceMgr workspaceMgr) {
    throw truncatedBpttUnsupported();
  }

  private UnsupportedOperationException truncatedBpttUnsupported() {
    return new UnsupportedOperationException(layerId() + ": truncated BPTT is not supported (train on whole "
        + "windows; rnnTimeStep is for inference)");
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public Type type() {
    return Type.RECURRENT;
  }

  @Override
  public void clearNoiseWeightParams() {
    // No weight noise: the layers read their parameters directly.
  }

  /**
   * DL4J calls this after every iteration. It drops the references into the caller's workspaces but keeps
   * the scratch buffers: they live outside workspaces, and keeping them is what makes the next step
   * allocation-free.
   */
  @Override
  public void clear() {
    super.clear();
    rows = null;
    rowMask = null;
    blocks.reset();
  }
}
