package org.npffn.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * How the Continuations section shows bytes: well-formed UTF-8 as text, every other byte as \xNN, and every byte
 * string can be read back from the HTML exactly.
 */
class ContinuationsEscapeTest {
  private static final String B = "<span class=\"byte\">";

  private static String escape(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return ContinuationsSection.escape(b);
  }

  @Test
  void textIsHtmlEscaped() {
    assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", ContinuationsSection.escape(
        "a <b> & \"c\"".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void wellFormedUtf8IsShownAsItsCharacters() {
    String text = "café, Καλημέρα, 😀";
    assertEquals(text, ContinuationsSection.escape(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void malformedAndCutOffBytesAreShownAsHex() {
    assertEquals("a" + B + "\\xFF</span>b", escape('a', 0xFF, 'b'));
    assertEquals("caf" + B + "\\xC3</span>", escape('c', 'a', 'f', 0xC3), "a character cut off at the end");
    assertEquals(B + "\\xC0</span>" + B + "\\xAF</span>", escape(0xC0, 0xAF), "an overlong '/'");
    assertEquals(B + "\\xA9</span>x", escape(0xA9, 'x'), "a continuation byte without its lead");
    assertEquals(B + "\\xED</span>" + B + "\\xA0</span>" + B + "\\x80</span>", escape(0xED, 0xA0, 0x80),
        "an encoded surrogate");
  }

  @Test
  void controlCharactersAndBackslashesAreEscaped() {
    assertEquals("a" + B + "\\x0A</span>" + B + "\\x00</span>\\\\x41", escape('a', '\n', 0, '\\', 'x', '4', '1'));
  }

  @Property(tries = 500)
  void everyByteStringReadsBackFromItsHtml(@ForAll("bytes") byte[] bytes) {
    String html = ContinuationsSection.escape(bytes);
    Statistics.collect(new String(bytes, StandardCharsets.UTF_8).contains("\uFFFD") ? "malformed" : "well-formed");
    assertArrayEquals(bytes, readBack(html));
  }

  /** Mostly text with some multi-byte characters, and random bytes among them. */
  @Provide
  Arbitrary<byte[]> bytes() {
    Arbitrary<byte[]> text = Arbitraries.strings().withCharRange(' ', '~').withChars('é', '€', '\\', '<', '&')
        .ofMaxLength(20).map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    return Arbitraries.oneOf(text, random, Arbitraries.strings().ofMaxLength(8).map(s -> {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return b.length > 1 ? Arrays.copyOf(b, b.length - 1) : b; // often a character cut off
    }));
  }

  /** The bytes an escaped HTML string stands for: \xNN spans, \\, HTML entities, and UTF-8 text. */
  private static byte[] readBack(String html) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Matcher m = Pattern.compile(Pattern.quote(B) + "\\\\x([0-9A-F]{2})</span>|\\\\\\\\|&(lt|gt|amp|quot|#39);|(.)",
        Pattern.DOTALL).matcher(html);
    int at = 0;
    while (m.find()) {
      assertEquals(at, m.start(), "nothing unaccounted for in " + html);
      at = m.end();
      if (m.group(1) != null) {
        out.write(Integer.parseInt(m.group(1), 16));
      } else if (m.group(2) != null) {
        String c = switch (m.group(2)) {
          case "lt" -> "<";
          case "gt" -> ">";
          case "amp" -> "&";
          case "quot" -> "\"";
          default -> "'";
        };
        out.writeBytes(c.getBytes(StandardCharsets.UTF_8));
      } else if (m.group(3) != null) {
        out.writeBytes(m.group(3).getBytes(StandardCharsets.UTF_8));
      } else {
        out.write('\\');
      }
    }
    assertEquals(html.length(), at);
    return out.toByteArray();
  }
}
