package org.npffn.eval.train;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.npffn.eval.data.TokenBatch;
import org.npffn.stack.TransformerStack;

/**
 * The training cross-entropy of each step, measured on the step's own forward pass: the output layer's
 * log-softmax at the true next byte, over unmasked tokens only. Not net.score(), which adds the balancing
 * losses and weight decay (and, read after fit, the weight decay of the updated weights): a cross-entropy
 * computed here is never negative, so the curve reads the same for every arm.
 *
 * <p>DL4J does not run the output layer in the forward pass it reports to listeners (it scores it from its
 * input), so this recomputes the logits from the final norm's activations: one [N, d] x [d, V] product, about
 * 1% of a default step.
 */
final class TrainingCrossEntropy extends BaseTrainingListener {
  private TokenBatch batch;
  private double nats = Double.NaN;

  /** The batch the next fit trains on. */
  void expect(TokenBatch b) {
    this.batch = b;
    this.nats = Double.NaN;
  }

  /** Mean cross-entropy per unmasked token of the last step's forward pass, in nats (NaN if none ran). */
  double natsPerToken() {
    return nats;
  }

  @Override
  public void onForwardPass(Model model, Map<String, INDArray> activations) {
    INDArray x = activations.get(TransformerStack.FINAL_NORM); //                   [B, T, d] (NWC)
    if (batch == null || x == null) {
      return;
    }
    ComputationGraph net = (ComputationGraph) model;
    INDArray w = net.getLayer(TransformerStack.OUTPUT).getParam(DefaultParamInitializer.WEIGHT_KEY); // [d, V]
    INDArray b = net.getLayer(TransformerStack.OUTPUT).getParam(DefaultParamInitializer.BIAS_KEY); //   [1, V]
    long d = x.size(2);
    long v = w.size(1);
    INDArray logits = x.reshape('c', x.size(0) * x.size(1), d).castTo(DataType.DOUBLE)
        .mmul(w.castTo(DataType.DOUBLE)).addiRowVector(b.castTo(DataType.DOUBLE)); //                  [N, V]
    // -log softmax(z)[y] = logsumexp(z) - z[y], with the row max taken out so exp cannot overflow
    INDArray max = logits.max(true, 1); //                                                             [N, 1]
    INDArray lse = Transforms.log(Transforms.exp(logits.subColumnVector(max), false).sum(true, 1), false)
        .addi(max); //                                                                                 [N, 1]
    INDArray labels = batch.labels().reshape('c', logits.size(0), v).castTo(DataType.DOUBLE); //       [N, V]
    INDArray target = logits.mul(labels).sum(true, 1); //                                              [N, 1]
    INDArray mask = batch.mask().reshape('c', logits.size(0), 1).castTo(DataType.DOUBLE); //           [N, 1]
    double sum = lse.subi(target).muli(mask).sumNumber().doubleValue();
    double count = mask.sumNumber().doubleValue();
    nats = count > 0 ? sum / count : Double.NaN;
  }
}
