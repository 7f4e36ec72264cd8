package org.npffn.eval.results;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What each arm's trained model writes after fixed prompts from the test documents (results.json
 * "continuations", optional: files written before it have none; docs/report.md). Bytes are kept exactly as
 * int arrays, beside a text for reading in which a byte that is not valid UTF-8 is U+FFFD.
 *
 * @param promptRule how the prompts were chosen, in words
 * @param sampling the settings of the greedy and the sampled continuations, in words
 * @param newBytes bytes generated per continuation
 * @param prompts the prompts, the same for every arm
 * @param followedBy per prompt, the bytes that follow it in its test document (up to newBytes): what the models
 *     were trained to predict
 * @param arms one per arm, in the arms' order
 */
public record Continuations(String promptRule, String sampling, int newBytes, List<ByteText> prompts,
    List<ByteText> followedBy, List<ArmContinuations> arms) {

  /**
   * A byte string: exact bytes (0..255) and their UTF-8 reading.
   *
   * @param text the bytes decoded as UTF-8, each malformed byte sequence replaced by U+FFFD (lossy)
   * @param bytes the bytes themselves
   */
  public record ByteText(String text, int[] bytes) {
    public static ByteText of(byte[] b) {
      int[] unsigned = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        unsigned[i] = b[i] & 0xFF;
      }
      return new ByteText(new String(b, StandardCharsets.UTF_8), unsigned);
    }

    /** The bytes as a byte array; a value outside 0..255 (a hand-edited file) is refused. */
    public byte[] raw() {
      byte[] b = new byte[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] < 0 || bytes[i] > 255) {
          throw new IllegalArgumentException("continuation byte " + bytes[i] + " at " + i + " is not in 0..255");
        }
        b[i] = (byte) bytes[i];
      }
      return b;
    }
  }

  /**
   * One arm's continuations, from the trained model of its first seed's run.
   *
   * @param arm the arm's label
   * @param seed the seed of the run whose model wrote them
   * @param model the model file they come from (relative to the compare directory), or null
   * @param unavailable why there are none (a diverged or failed run, no saved final model), or null
   * @param greedy per prompt, the greedy continuation (empty when unavailable)
   * @param sampled per prompt, the sampled continuation (empty when unavailable)
   */
  public record ArmContinuations(String arm, long seed, String model, String unavailable, List<ByteText> greedy,
      List<ByteText> sampled) {

    public static ArmContinuations none(String arm, long seed, String why) {
      return new ArmContinuations(arm, seed, null, why, List.of(), List.of());
    }
  }
}
