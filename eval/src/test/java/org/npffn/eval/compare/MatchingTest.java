package org.npffn.eval.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.npffn.moe.MoeFfn;
import org.npffn.np.NpFfn;

/** The helpers that size the comparison's arms: the MoE and the NP matched to a dense FFN or to each other. */
class MatchingTest {

  @Test
  void moeMatchingKeepsActiveFlopsAndPrintsTheAccounting() {
    MoeMatching.Match m = MoeMatching.toDense(256, 1024, 8, 2, new MoeFfn.Builder().auxLossWeight(0.01));
    assertEquals(512, m.moe().getExpertHidden());
    long dense = m.dense().cost().flopsPerToken();
    long moe = m.moe().cost().flopsPerToken();
    assertEquals(dense + 2L * 256 * 8, moe, "equal but for the router's 2·d·E");
    assertTrue(m.accounting().contains("total params") && m.accounting().contains("FLOPs/token"));
    assertEquals(8 * (256L * 512 + 512 + 512 * 256 + 256) + 256 * 8, m.moe().cost().totalParams());
    assertEquals(2 * (256L * 512 + 512 + 512 * 256 + 256) + 256 * 8, m.moe().cost().activeParamsPerToken());
  }

  @Test
  void npMatchingToFlopsAndToParameters() {
    NpMatching.Match flops = NpMatching.flopMatched(256, 1024, new NpFfn.Builder().groups(8).contextWidth(64));
    double ratio = (double) flops.np().cost().flopsPerToken() / flops.reference().cost().flopsPerToken();
    assertTrue(Math.abs(ratio - 1) < 0.02, "FLOP ratio " + ratio);
    assertEquals(0, flops.np().getHidden() % 8);

    MoeFfn moe = new MoeFfn.Builder().nIn(256).nExperts(8).topK(2).expertHidden(512).build();
    NpMatching.Match params = NpMatching.parameterMatched(moe, new NpFfn.Builder().groups(8).contextWidth(64));
    double pr = (double) params.np().cost().totalParams() / moe.cost().totalParams();
    assertTrue(Math.abs(pr - 1) <= 0.02, "parameter ratio " + pr);
    assertTrue(params.accounting().contains("total params"));
  }
}
