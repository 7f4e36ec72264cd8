package org.npffn.eval.bench;

import java.util.List;
import org.npffn.stack.ffn.DenseFfn;

/**
 * Every benchmark case of the SDK, at the shapes the issues fix: N = 4096 tokens as B = 32 x T = 128,
 * d = 256, dense hidden h = 1024, 4 heads; MoE k = 2 of E experts with d_e = 512. The MoE and Neural-Process
 * modules add their cases here.
 */
public final class BenchSuite {
  static final int B = 32;
  static final int T = 128;
  static final int D = 256;
  static final int H = 1024;
  static final int HEADS = 4;
  static final int MOE_HIDDEN = 512;

  private BenchSuite() {}

  public static List<BenchCase> cases() {
    DenseFfn dense = new DenseFfn.Builder().nIn(D).hidden(H).build();
    // Rounds run the cases in this order. The masked oracle allocates its [N, E·d_e] arrays on every run, and a
    // case after it pays part of their release despite the GC before each case: np/T=128 stood 3-8% above
    // np/T=256..1024, the same work, in four of eight runs when it came right after it. Here it runs before
    // block/dense, which no target reads; the cost still lands a few seconds later, on np/T=512's median (all
    // seven runs of docs/benchmarks.md, session 7) and, by 0-4% (once 12%), on its fastest run.
    return List.of(
        new DenseFfnCase(B, T, D, H),
        // MoE at the dense FFN's active FLOPs: k · d_e = 2 · 512 = h
        new MoeCase(B, T, D, 8, 2, MOE_HIDDEN, true),
        new BlockCase("dense", B, T, D, HEADS, (block, d) -> new DenseFfn.Builder().hidden(H).build(),
            dense.cost().flopsPerToken()),
        new MoeCase(B, T, D, 8, 2, MOE_HIDDEN, false),
        // ReMoE at its target sparsity: exactly k = 2 of E = 8 gates positive per token
        new ReluMoeCase(B, T, D, 8, 2, MOE_HIDDEN),
        new MoeCase(B, T, D, 32, 2, MOE_HIDDEN, false),
        new MoeCase(B, T, D, 64, 2, MOE_HIDDEN, false),
        // NP: constant N = 4096 tokens, B = N / T; hidden 1024, M = 8, r = 64, transition context
        new NpCase(B * T, 128, D, H, 8, 64, 0),
        new NpCase(B * T, 256, D, H, 8, 64, 0),
        new NpCase(B * T, 512, D, H, 8, 64, 0),
        new NpCase(B * T, 1024, D, H, 8, 64, 0),
        new NpCase(B * T, 128, D, H, 8, 64, 8),
        new NpCase(B * T, 128, D, H, 8, 64, 2));
  }
}
