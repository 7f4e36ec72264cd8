package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The shuffled-context measurement's hook: sequence s reads the context summary of sequence donors[s]. Checked
 * against the definition: a sequence given donor d computes what it computes when its own context equals d's,
 * i.e. the output of a batch whose context path saw d's rows.
 */
class NpContextDonorsTest {
  private static final int B = 3;
  private static final int T = 5;
  private static final int D = 8;

  private static Layer layer(ContextMode mode) {
    NpFfn conf = new NpFfn.Builder().hidden(16).groups(4).contextWidth(4).contextMode(mode).build();
    return NpNets.graph(conf, D, T, 7, true).getLayer("layer");
  }

  private static INDArray sequence(INDArray x, int s) {
    return x.get(NDArrayIndex.interval(s, s + 1), NDArrayIndex.all(), NDArrayIndex.all());
  }

  @Test
  void identityDonorsChangeNothingAndOtherDonorsChangeTheOutput() {
    Layer np = layer(ContextMode.TRANSITION);
    INDArray x = Nd4j.rand(DataType.DOUBLE, B, D, T).subi(0.5);
    INDArray own = NpNets.forward(np, x, null, false).dup();
    ((NpFfnLayer) np).setContextDonors(new int[] {0, 1, 2});
    assertEquals(own, NpNets.forward(np, x, null, false).dup());
    ((NpFfnLayer) np).setContextDonors(new int[] {1, 2, 0});
    INDArray shuffled = NpNets.forward(np, x, null, false).dup();
    ((NpFfnLayer) np).setContextDonors(null);
    assertEquals(own, NpNets.forward(np, x, null, false).dup(), "null turns it off");
    for (int s = 0; s < B; s++) {
      double diff = sequence(shuffled, s).sub(sequence(own, s)).amaxNumber().doubleValue();
      assertTrue(diff > 1e-6, "sequence " + s + " must change with another sequence's context, diff " + diff);
    }
  }

  @Test
  void aSequenceWithItsTwinsContextComputesWhatTheTwinWouldGiveIt() {
    // sequences 0 and 1 share their tokens (so their contexts are equal): 2 reading 0's context must match 2
    // reading 1's context, and 0 reading 1's must equal 0 reading its own
    Layer np = layer(ContextMode.TOKEN);
    INDArray x = Nd4j.rand(DataType.DOUBLE, B, D, T).subi(0.5);
    sequence(x, 1).assign(sequence(x, 0));
    ((NpFfnLayer) np).setContextDonors(new int[] {1, 0, 0});
    INDArray a = NpNets.forward(np, x, null, false).dup();
    ((NpFfnLayer) np).setContextDonors(new int[] {0, 1, 1});
    INDArray b = NpNets.forward(np, x, null, false).dup();
    assertEquals(0, a.sub(b).amaxNumber().doubleValue(), 1e-12);
  }

  @Test
  void donorsOfTheWrongLengthOrRangeAreRefusedNamingTheLayer() {
    Layer np = layer(ContextMode.TRANSITION);
    INDArray x = Nd4j.rand(DataType.DOUBLE, B, D, T);
    ((NpFfnLayer) np).setContextDonors(new int[] {0, 1});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NpNets.forward(np, x, null, false));
    assertTrue(e.getMessage().contains("2 context donors for a batch of 3"), e.getMessage());
    ((NpFfnLayer) np).setContextDonors(new int[] {0, 1, 3});
    e = assertThrows(IllegalArgumentException.class, () -> NpNets.forward(np, x, null, false));
    assertTrue(e.getMessage().contains("context donor 3 of sequence 2"), e.getMessage());
  }
}
