package org.npffn.eval.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's prompts: the first three test documents long enough, cut at P = min(64, T/2) bytes, whole characters. */
class TestPromptsTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theFirstThreeLongEnoughDocumentsCutToTheirFirstPBytes() {
    String a = "a".repeat(80);
    String b = "b".repeat(65);
    List<byte[]> docs = List.of(utf8("x".repeat(64)), utf8(a), utf8("short"), utf8(b), utf8("c".repeat(70)),
        utf8("d".repeat(90)));
    List<TestPromptContinuations.Prompt> p = TestPromptContinuations.prompts(docs, 128);
    assertEquals(3, p.size());
    assertArrayEquals(utf8("a".repeat(64)), p.get(0).bytes(), "a document of exactly P bytes is skipped");
    assertArrayEquals(utf8("a".repeat(16)), p.get(0).followedBy());
    assertArrayEquals(utf8("b".repeat(64)), p.get(1).bytes());
    assertArrayEquals(utf8("c".repeat(64)), p.get(2).bytes());
  }

  @Test
  void theCutGoesBackToAWholeCharacterAndShrinksWithT() {
    byte[] doc = utf8("x".repeat(15) + "é" + "y".repeat(40)); // é is bytes 15 and 16
    TestPromptContinuations.Prompt p = TestPromptContinuations.prompts(List.of(doc), 32).get(0);
    assertArrayEquals(utf8("x".repeat(15)), p.bytes(), "P = T/2 = 16 would split é");
    assertEquals((byte) 0xC3, p.followedBy()[0]);
    assertEquals(160, TestPromptContinuations.prompts(List.of(utf8("z".repeat(400))), 32).get(0).followedBy()
        .length, "the test text's next 160 bytes");
  }

  @Test
  void fewerPromptsWhenFewerDocumentsAreLongEnough() {
    assertEquals(1, TestPromptContinuations.prompts(List.of(utf8("tiny"), utf8("q".repeat(20))), 32).size());
    assertEquals(0, TestPromptContinuations.prompts(List.of(utf8("tiny")), 128).size());
  }
}
