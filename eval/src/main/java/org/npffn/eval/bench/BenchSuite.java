package org.npffn.eval.bench;

import java.util.ArrayList;
import java.util.List;
import org.npffn.eval.train.TrainConfig;
import org.npffn.stack.ffn.DenseFfn;

/**
 * Every benchmark case of the SDK, at the shapes the issues fix: N = 4096 tokens as B = 32 x T = 128,
 * d = 256, dense hidden h = 1024, 4 heads; MoE k = 2 of E experts with d_e = 512. The MoE and Neural-Process
 * modules add their cases here. The decoding cases (incremental decoding and generation) run whole language
 * models of the harness's default preset ({@link DecodeModel#benchDefault()}).
 */
public final class BenchSuite {
  static final int B = 32;
  static final int T = 128;
  static final int D = 256;
  static final int H = 1024;
  static final int HEADS = 4;
  static final int MOE_HIDDEN = 512;
  /** The kinds of the decoding cases. */
  static final List<String> KINDS = List.of("dense", "moe", "np");
  /** Generation runs batches of 1 and of 8 prompts. */
  static final List<Integer> GENERATE_BATCHES = List.of(1, 8);

  /**
   * The shapes of the decoding cases.
   *
   * @param lm the language model of the decode, re-forward and generate cases
   * @param context n of decode/KIND/t=n (a step after n - 1 cached tokens) and reforward/KIND/t=n, at B = 1
   * @param npLengths the NP layer's step is timed after each of these - 1 tokens, at B = npBatch sequences
   * @param npBatch B of the NP layer's step, with its width d, hidden h, groups M and context width r
   * @param prompt P bytes per generation prompt
   * @param newTokens G new bytes per generated continuation
   */
  record Decoding(DecodeModel lm, int context, List<Integer> npLengths, int npBatch, int npWidth, int npHidden,
      int npGroups, int npContextWidth, int prompt, int newTokens) {
    /**
     * The bench's: the default preset's model with 1024 positions, t = 512; the NP layer at the np/T=n cases'
     * sizes, one token for each of B = 32 sequences, after 63 and 1023 tokens; 64 new bytes after 64-byte prompts.
     */
    static Decoding bench() {
      return new Decoding(DecodeModel.benchDefault(), 512, List.of(64, 1024), B, D, H, 8, 64, 64, 64);
    }
  }

  private BenchSuite() {}

  public static List<BenchCase> cases() {
    DenseFfn dense = new DenseFfn.Builder().nIn(D).hidden(H).build();
    // Rounds run the cases in this order. The masked oracle allocates its [N, E·d_e] arrays on every run, and a
    // case after it pays part of their release despite the GC before each case: np/T=128 stood 3-8% above
    // np/T=256..1024, the same work, in four of eight runs when it came right after it. Here it runs before
    // block/dense, which no target reads; the cost still lands a few seconds later, on np/T=512's median (all
    // seven runs of docs/benchmarks.md, session 7) and, by 0-4% (once 12%), on its fastest run.
    List<BenchCase> cases = new ArrayList<>(List.of(
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
        new NpCase(B * T, 128, D, H, 8, 64, 2),
        new AttentionCase(B, T, D, HEADS)));
    for (String kind : KINDS) {
      cases.add(new TrainStepCase(kind, TrainConfig.preset("default")));
    }
    cases.addAll(decodingCases(Decoding.bench()));
    return cases;
  }

  /**
   * The decoding cases: for each kind, decode/KIND/t=n and reforward/KIND/t=n; decode-ffn/np/t=n for each NP
   * length; generate/KIND/B=b for each kind and batch.
   */
  static List<BenchCase> decodingCases(Decoding s) {
    List<BenchCase> cases = new ArrayList<>();
    for (String kind : KINDS) {
      cases.add(new DecodeCase(s.lm(), kind, true, 1, s.context()));
      cases.add(new DecodeCase(s.lm(), kind, false, 1, s.context()));
    }
    for (int t : s.npLengths()) {
      cases.add(new NpStepCase(s.npBatch(), t, s.npWidth(), s.npHidden(), s.npGroups(), s.npContextWidth()));
    }
    for (String kind : KINDS) {
      for (int b : GENERATE_BATCHES) {
        cases.add(new GenerateCase(s.lm(), kind, b, s.prompt(), s.newTokens()));
      }
    }
    return cases;
  }
}
