package org.npffn.eval.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.eval.train.TrainConfig;
import org.npffn.moe.MoeFfn;
import org.npffn.stack.ffn.DenseFfn;

/**
 * Each bench case, at a tiny size, matches its reference, and the same comparison fails once the case's result
 * is off by 1e-2: what a fast wrong kernel would produce.
 */
class BenchReferenceTest {

  /** A case with its package-private step and reference. */
  private record Tiny(BenchCase c, Supplier<Map<String, INDArray>> step, Supplier<Map<String, INDArray>> reference) {}

  private static List<Tiny> tinyCases() {
    DenseFfnCase dense = new DenseFfnCase(2, 8, 16, 32);
    MoeCase moe = new MoeCase(2, 8, 16, 4, 2, 8, false);
    MoeCase masked = new MoeCase(2, 8, 16, 4, 2, 8, true);
    ReluMoeCase relu = new ReluMoeCase(2, 8, 16, 4, 2, 8);
    BlockCase block = new BlockCase("dense", 2, 8, 16, 2, (b, d) -> new DenseFfn.Builder().hidden(32).build(), 0);
    NpCase np = new NpCase(16, 8, 16, 32, 4, 8, 0);
    NpCase topK = new NpCase(16, 8, 16, 32, 4, 8, 2);
    AttentionCase attention = new AttentionCase(2, 8, 16, 2);
    List<Tiny> out = new ArrayList<>();
    out.add(new Tiny(dense, dense::step, dense::reference));
    out.add(new Tiny(moe, moe::step, moe::reference));
    out.add(new Tiny(masked, masked::step, masked::reference));
    out.add(new Tiny(relu, relu::step, relu::reference));
    out.add(new Tiny(block, block::step, block::reference));
    out.add(new Tiny(np, np::step, np::reference));
    out.add(new Tiny(topK, topK::step, topK::reference));
    out.add(new Tiny(attention, attention::step, attention::reference));
    for (String kind : List.of("dense", "moe", "np")) {
      TrainStepCase step = new TrainStepCase(kind, TrainConfig.preset("smoke"));
      out.add(new Tiny(step, step::step, step::reference));
    }
    return out;
  }

  @Test
  void everyCaseMatchesItsReference() {
    for (Tiny t : tinyCases()) {
      t.c().setUp();
      t.c().run();
      ReferenceCheck r = t.c().checkReference();
      assertTrue(r.ok(), r.line(t.c().name()));
      // float32 against double: never exactly equal, so the reference is not the run read back
      assertTrue(r.maxRelError() > 0, r.line(t.c().name()));
    }
  }

  /**
   * The case's output scaled by 1 + 1e-2, or one element of its last gradient off by 1e-2 of that gradient's
   * largest: both fail, and the check names the array.
   */
  @Test
  void aResultOffByOnePercentFails() {
    for (Tiny t : tinyCases()) {
      t.c().setUp();
      Map<String, INDArray> ran = t.step().get();
      String output = ran.containsKey("y") ? "y" : "score";
      ran.get(output).muli(1 + 1e-2);
      ReferenceCheck scaled = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE, ran, t.reference().get());
      assertFalse(scaled.ok(), scaled.line(t.c().name()));
      assertEquals(output, scaled.worst());
      assertEquals(1e-2, scaled.maxRelError(), 1e-4, scaled.line(t.c().name()));

      ran = t.step().get();
      String last = new ArrayList<>(ran.keySet()).get(ran.size() - 1);
      INDArray g = ran.get(last);
      g.putScalar(g.length() - 1, g.getDouble(g.length() - 1) + 1e-2 * g.amaxNumber().doubleValue());
      ReferenceCheck oneElement = ReferenceCheck.compare("-", ReferenceCheck.FLOAT32_TOLERANCE, ran,
          t.reference().get());
      assertFalse(oneElement.ok(), oneElement.line(t.c().name()));
      assertEquals(last, oneElement.worst());
    }
  }

  @Test
  void aNonFiniteResultFails() {
    INDArray ref = Nd4j.createFromArray(1.0, 2.0);
    ReferenceCheck nan = ReferenceCheck.compare("-", 1e-4, Map.of("y", Nd4j.createFromArray(Double.NaN, 2.0)),
        Map.of("y", ref));
    assertFalse(nan.ok());
    assertTrue(Double.isNaN(nan.maxRelError()));
    ReferenceCheck inf = ReferenceCheck.compare("-", 1e-4,
        Map.of("y", Nd4j.createFromArray(1.0, Double.POSITIVE_INFINITY)), Map.of("y", ref));
    assertFalse(inf.ok());
  }

  /** The MoE reference, with the gates held fixed, against the masked oracle in double precision. */
  @Test
  void moeReferenceAgreesWithTheMaskedOracle() {
    MoeFfn conf = new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(8).build();
    org.deeplearning4j.nn.api.Layer layer = SingleLayer.instantiate(conf, 16, 8, DataType.DOUBLE);
    conf = (MoeFfn) layer.conf().getLayer();
    Map<String, INDArray> params = layer.paramTable();
    params.values().forEach(p -> p.assign(Nd4j.randn(DataType.DOUBLE, p.shape()).muli(0.3)));
    INDArray x = Nd4j.randn(DataType.DOUBLE, 16, 16);
    INDArray dy = Nd4j.randn(DataType.DOUBLE, 16, 16);
    // the reference's own top-k: a run choice of expert 0 twice is not a valid choice of 2 experts
    int[] invalid = new int[16 * 2];
    Map<String, INDArray> ref = MoeReference.step(conf, params, x, dy, invalid, false);

    // the same gates for the oracle: p over the chosen experts, renormalised
    double[] logits = x.mmul(params.get(MoeFfn.ROUTER)).dup('c').data().asDouble();
    boolean[] chosen = MoeReference.select(logits, invalid, 16, 4, 2);
    INDArray p = org.nd4j.linalg.ops.transforms.Transforms.softmax(Nd4j.create(logits, new long[] {16, 4}), true);
    INDArray mask = Nd4j.create(DataType.DOUBLE, 16, 4);
    for (int i = 0; i < chosen.length; i++) {
      mask.putScalar(i / 4, i % 4, chosen[i] ? 1 : 0);
    }
    INDArray gates = p.mul(mask);
    gates.diviColumnVector(gates.sum(true, 1));
    MaskedMixtureOracle oracle = new MaskedMixtureOracle(conf, params);
    assertTrue(oracle.forward(x, gates, null).equalsWithEps(ref.get("y"), 1e-10));
    Map<String, INDArray> grads = new HashMap<>();
    for (int i = 0; i < 4; i++) {
      for (String key : new String[] {MoeFfn.W1, MoeFfn.B1, MoeFfn.W2, MoeFfn.B2}) {
        grads.put(MoeFfn.expertKey(i, key), params.get(MoeFfn.expertKey(i, key)).like());
      }
    }
    assertTrue(oracle.backward(dy, grads).equalsWithEps(ref.get("dx"), 1e-10));
    grads.forEach((key, g) -> assertTrue(g.equalsWithEps(ref.get("d" + key), 1e-10), key));
  }

  @Test
  void selectionFollowsTheRunOnlyAtNearTies() {
    double[] logits = {1.0, 1.0 - 1e-7, 0.5};
    assertArrayEquals(new boolean[] {false, true, false}, MoeReference.select(logits, new int[] {1}, 1, 3, 1));
    assertArrayEquals(new boolean[] {true, false, false}, MoeReference.select(logits, new int[] {2}, 1, 3, 1));
  }
}
