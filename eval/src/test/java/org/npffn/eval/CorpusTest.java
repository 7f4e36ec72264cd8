package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.CorpusException;

/** Bad corpora are refused with one line naming the file, and the CLI exits non-zero without writing. */
class CorpusTest {
  @TempDir
  Path dir;

  private void refused(Path path, String fragment) {
    CorpusException e = assertThrows(CorpusException.class, () -> Corpus.text(path, 1_000_000));
    assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void missingFile() {
    refused(dir.resolve("nope.txt"), "no such file");
  }

  @Test
  void emptyFileAndWhitespaceOnly() throws IOException {
    refused(Files.writeString(dir.resolve("empty.txt"), ""), "no text");
    refused(Files.writeString(dir.resolve("blank.txt"), " \n\t\n"), "no text");
  }

  @Test
  void binaryFile() throws IOException {
    refused(Files.write(dir.resolve("bin.dat"), new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, 0x00, 0x10}),
        "not UTF-8 text");
    refused(Files.write(dir.resolve("nul.txt"), "abc\0def\n".getBytes(StandardCharsets.UTF_8)), "not UTF-8 text");
  }

  @Test
  void emptyDirectory() throws IOException {
    refused(Files.createDirectory(dir.resolve("sub")), "no files");
  }

  @Test
  void directoryOfTextFilesIsReadInPathOrder() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("docs"));
    Files.writeString(sub.resolve("b.txt"), "second\n");
    Files.writeString(sub.resolve("a.txt"), "first\n\n  \nfirst again\n");
    Corpus c = Corpus.text(sub, 1_000);
    assertEquals(3, c.documents().size());
    assertEquals("first", new String(c.documents().get(0), StandardCharsets.UTF_8));
    assertEquals("second", new String(c.documents().get(2), StandardCharsets.UTF_8));
  }

  @Test
  void europarlIsOnTheClasspathAndMultilingual() {
    Corpus c = Corpus.europarl(300_000);
    assertTrue(c.bytes() >= 300_000 && c.documents().size() > 50, c.bytes() + " bytes");
    long nonAscii = c.documents().stream().flatMapToInt(d -> {
      int n = 0;
      for (byte b : d) {
        n += b < 0 ? 1 : 0;
      }
      return java.util.stream.IntStream.of(n);
    }).sum();
    assertTrue(nonAscii > 1000, "accented text expected in Europarl, got " + nonAscii + " non-ASCII bytes");
  }

  @Test
  void cliExitsNonZeroWithOneLineAndWritesNothing() throws IOException {
    Path bin = Files.write(dir.resolve("bin.dat"), new byte[] {0x00, (byte) 0xFE, 0x01});
    Path out = dir.resolve("out");
    StringWriter err = new StringWriter();
    int code = NpEval.run(new PrintWriter(err, true), "train", "--preset", "smoke", "--text", bin.toString(),
        "--out", out.toString());
    assertEquals(2, code);
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    assertTrue(err.toString().startsWith("np-eval: error: " + bin), err.toString());
    assertFalse(Files.exists(out), "nothing may be written for a bad corpus");
  }

  @Test
  void maxBytesHoldsWithinOneHugeLine() throws IOException {
    Path huge = dir.resolve("one-line.txt");
    try (var w = Files.newBufferedWriter(huge)) {
      String chunk = "é".repeat(1 << 15) + "abc ";
      for (int i = 0; i < 200; i++) { // about 13 MB, no newline
        w.write(chunk);
      }
    }
    Corpus c = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Corpus.text(huge, 100_001));
    assertEquals(1, c.documents().size());
    assertEquals(100_000, c.bytes(), "cut at the budget, never inside a character: 50,000 é of 2 bytes");
  }

  @Test
  void devZeroIsRefusedAsBinaryAtOnce() {
    Path zero = Path.of("/dev/zero");
    if (!Files.exists(zero)) {
      return;
    }
    CorpusException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(CorpusException.class, () -> Corpus.text(zero, 1_000_000)));
    assertTrue(e.getMessage().contains("not UTF-8 text"), e.getMessage());
  }
}
