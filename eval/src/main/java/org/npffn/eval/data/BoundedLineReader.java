package org.npffn.eval.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;

/**
 * Reads lines from text in fixed chunks, never holding more of a line than a byte budget allows: a corpus that
 * is one huge line (or /dev/zero) costs at most the budget, not the line. BufferedReader.readLine cannot do
 * this; it reads the whole line before returning any of it.
 */
final class BoundedLineReader {
  private static final int CHUNK = 1 << 16;

  private final Reader in;
  private final char[] buffer = new char[CHUNK];
  private int pos;
  private int end;
  private boolean eof;
  private boolean cut;

  BoundedLineReader(Reader in) {
    this.in = in;
  }

  /**
   * The next line without its terminator, or null at the end of the text. A line longer than {@code maxBytes}
   * UTF-8 bytes is returned cut at the budget, and reading stops there (null from then on): the caller's
   * budget is spent.
   *
   * @throws CharacterCodingException on a NUL character: binary data, not text
   */
  String next(long maxBytes) throws IOException {
    if (cut) {
      return null;
    }
    StringBuilder line = new StringBuilder();
    long bytes = 0;
    boolean any = false;
    while (true) {
      if (pos == end) {
        if (eof || !fill()) {
          return any ? line.toString() : null;
        }
      }
      any = true;
      char ch = buffer[pos++];
      if (ch == '\n') {
        return line.toString();
      }
      if (ch == '\0') {
        throw new CharacterCodingException();
      }
      // UTF-8 length: a surrogate pair is 4 bytes, 2 per half; a pair is never cut in two
      int size = ch < 0x80 ? 1 : ch < 0x800 || Character.isSurrogate(ch) ? 2 : 3;
      int whole = Character.isHighSurrogate(ch) ? 4 : size;
      if (bytes + whole > maxBytes) {
        cut = true;
        return line.toString();
      }
      line.append(ch);
      bytes += size;
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer, 0, CHUNK);
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    end = n;
    return true;
  }
}
