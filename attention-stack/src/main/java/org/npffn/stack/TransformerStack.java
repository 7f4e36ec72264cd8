package org.npffn.stack;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.npffn.stack.attention.CausalSelfAttention;
import org.npffn.stack.embedding.PositionEncoding;
import org.npffn.stack.embedding.TokenPositionEmbedding;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnFactory;
import org.npffn.stack.ffn.FfnSlotConf;
import org.npffn.stack.norm.NormKind;
import org.npffn.stack.norm.SequenceNorm;
import org.npffn.stack.output.SequenceSoftmaxOutput;

/**
 * Assembles a pre-norm decoder-only transformer (GPT-2 layout) as a ComputationGraph:
 *
 * <pre>
 * ids -> embed -> L x [ norm1 -> attn -> add(res) -> norm2 -> ffn -> add(res) ] -> final.norm -> lm_head
 * </pre>
 *
 * The FFN slot of each block comes from an {@link FfnFactory}, so every FFN kind drops in with no other change
 * and blocks may differ. The head is a {@link SequenceSoftmaxOutput} (softmax cross-entropy, as RnnOutputLayer with
 * MCXENT, in one pass per token). All inner layers run in NWC ([B, T, C]): token rows are then a free reshape. The
 * graph takes ids [B, T] (or [B, 1, T]) and, as labels, one-hot next ids [B, T, V]; the [B, T] features mask
 * marks real tokens.
 */
public final class TransformerStack {
  /** Name of the graph input (ids). */
  public static final String INPUT = "ids";
  /** Name of the output layer (per-time-step softmax over the vocabulary). */
  public static final String OUTPUT = "lm_head";
  /** The norm before the output layer: its activations are the output layer's input. */
  public static final String FINAL_NORM = "final.norm";

  private long vocabSize = 256;
  private long width = 64;
  private int blocks = 2;
  private int heads = 4;
  private long maxLength = 128;
  private PositionEncoding positions = PositionEncoding.LEARNED;
  private NormKind norm = NormKind.LAYER;
  private FfnFactory ffn = (block, d) -> new DenseFfn.Builder().hidden(4 * d).build();
  private NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder();

  /** Vertex names of block {@code i}'s FFN layer. */
  public static String ffnName(int block) {
    return "block" + block + ".ffn";
  }

  /** Vertex name of block {@code i}'s attention layer. */
  public static String attentionName(int block) {
    return "block" + block + ".attn";
  }

  /** V, the vocabulary size (256 for bytes, the default). */
  public TransformerStack vocabSize(long vocabSize) {
    this.vocabSize = vocabSize;
    return this;
  }

  /** d (C), the width of the residual stream. Default 64. */
  public TransformerStack width(long width) {
    this.width = width;
    return this;
  }

  /** L, the number of transformer blocks. Default 2. */
  public TransformerStack blocks(int blocks) {
    this.blocks = blocks;
    return this;
  }

  /** nh, attention heads per block; must divide the width. Default 4. */
  public TransformerStack heads(int heads) {
    this.heads = heads;
    return this;
  }

  /** The longest sequence T the model accepts. Default 128. */
  public TransformerStack maxLength(long maxLength) {
    this.maxLength = maxLength;
    return this;
  }

  public TransformerStack positions(PositionEncoding positions) {
    this.positions = Preconditions.checkNotNull(positions, "positions");
    return this;
  }

  /** LayerNorm (default, GPT-2) or RMSNorm (LLaMA) for every norm of the stack. */
  public TransformerStack norm(NormKind norm) {
    this.norm = Preconditions.checkNotNull(norm, "norm");
    return this;
  }

  /** The FFN of each block. Default: a dense GELU FFN with h = 4d. */
  public TransformerStack ffn(FfnFactory ffn) {
    this.ffn = Preconditions.checkNotNull(ffn, "ffn");
    return this;
  }

  /** Network-wide settings: seed, updater, weight init, data type, gradient normalisation, workspaces. */
  public TransformerStack base(NeuralNetConfiguration.Builder base) {
    this.base = Preconditions.checkNotNull(base, "base");
    return this;
  }

  /**
   * Builds and validates the graph configuration.
   *
   * @throws IllegalArgumentException naming the field and value of any bad setting
   */
  public ComputationGraphConfiguration build() {
    Preconditions.checkArgument(vocabSize > 0, "TransformerStack: vocabSize = %s must be positive", vocabSize);
    Preconditions.checkArgument(width > 0, "TransformerStack: width = %s must be positive", width);
    Preconditions.checkArgument(blocks > 0, "TransformerStack: blocks = %s must be positive", blocks);
    Preconditions.checkArgument(heads > 0, "TransformerStack: heads = %s must be positive", heads);
    Preconditions.checkArgument(width % heads == 0, "TransformerStack: heads = %s does not divide width = %s",
        heads, width);
    Preconditions.checkArgument(maxLength > 0, "TransformerStack: maxLength = %s must be positive", maxLength);

    ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs(INPUT);
    g.addLayer("embed", new TokenPositionEmbedding.Builder().vocabSize(vocabSize).width(width)
        .maxLength(maxLength).positions(positions).dataFormat(RNNFormat.NWC).build(), INPUT);
    String stream = "embed";
    for (int i = 0; i < blocks; i++) {
      stream = addBlock(g, i, stream);
    }
    g.addLayer(FINAL_NORM, norm(), stream);
    g.addLayer(OUTPUT, new SequenceSoftmaxOutput.Builder().nIn(width).nOut(vocabSize).dataFormat(RNNFormat.NWC)
        .build(), FINAL_NORM);
    g.setOutputs(OUTPUT);
    g.setInputTypes(InputType.recurrent(1, maxLength, RNNFormat.NCW));
    return g.build();
  }

  /**
   * Adds block {@code i} (norm1 -> attn -> add -> norm2 -> ffn -> add) after vertex {@code input} and returns
   * the name of its output vertex. Public so benchmarks and custom graphs can place single blocks.
   */
  public String addBlock(ComputationGraphConfiguration.GraphBuilder g, int i, String input) {
    String p = "block" + i + ".";
    g.addLayer(p + "norm1", norm(), input);
    g.addLayer(attentionName(i), new CausalSelfAttention.Builder().nHeads(heads).dataFormat(RNNFormat.NWC)
        .build(), p + "norm1");
    g.addVertex(p + "res1", new ElementWiseVertex(ElementWiseVertex.Op.Add), input, attentionName(i));
    g.addLayer(p + "norm2", norm(), p + "res1");
    FfnSlotConf f = ffn.create(i, width);
    Preconditions.checkArgument(f != null, "TransformerStack: the FFN factory returned null for block %s", i);
    f.setDataFormat(RNNFormat.NWC);
    g.addLayer(ffnName(i), f, p + "norm2");
    g.addVertex(p + "res2", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "res1", ffnName(i));
    return p + "res2";
  }

  private SequenceNorm norm() {
    return new SequenceNorm.Builder().kind(norm).dataFormat(RNNFormat.NWC).build();
  }
}
