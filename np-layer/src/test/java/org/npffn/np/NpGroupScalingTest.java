package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.TestNets;

/**
 * The decoder scales its groups on the JVM heap for small passes and with a broadcast op for large ones
 * (Decoder.SMALL_PASS): a large batch, which takes the op, gives each sequence what a pass over that sequence
 * alone, which takes the heap, gives it.
 */
class NpGroupScalingTest {
  private static final int C = 4;
  private static final int HIDDEN = 8;

  @BeforeAll
  static void doublePrecision() {
    TestNets.useDoublePrecision();
  }

  @Test
  void aLargePassEqualsEachSequencePassedAlone() {
    int t = 40;
    int batch = (int) (Decoder.SMALL_PASS / ((long) HIDDEN * t)) + 4;
    assertTrue((long) batch * t * HIDDEN > Decoder.SMALL_PASS && (long) t * HIDDEN <= Decoder.SMALL_PASS);
    for (boolean training : new boolean[] {false, true}) {
      NpFfn conf = new NpFfn.Builder().hidden(HIDDEN).groups(4).contextWidth(3).selectorRank(2)
          .contextMode(ContextMode.TRANSITION).contextProjection(true).build();
      Layer layer = NpNets.graph(conf, C, t, 7, true).getLayer("layer");
      INDArray x = Nd4j.rand(DataType.DOUBLE, batch, C, t).subi(0.5);
      INDArray whole = NpNets.forward(layer, x, null, training).dup();
      for (int s = 0; s < batch; s += 9) {
        INDArray alone = NpNets.forward(layer, x.get(NDArrayIndex.interval(s, s + 1), NDArrayIndex.all(),
            NDArrayIndex.all()).dup(), null, training);
        INDArray row = whole.get(NDArrayIndex.interval(s, s + 1), NDArrayIndex.all(), NDArrayIndex.all());
        double diff = row.sub(alone).amaxNumber().doubleValue();
        assertTrue(diff < 1e-12, "training " + training + ", sequence " + s + ": differs by " + diff);
      }
    }
  }
}
