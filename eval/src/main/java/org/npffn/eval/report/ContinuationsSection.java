package org.npffn.eval.report;

import com.google.common.html.HtmlEscapers;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.npffn.eval.results.CompareResults;
import org.npffn.eval.results.Continuations;
import org.npffn.eval.results.Continuations.ArmContinuations;
import org.npffn.eval.results.Continuations.ByteText;

/**
 * "Continuations": what each arm's trained model writes after the same test prompts, greedy and sampled, beside
 * what the test text really says next, so a reader sees what a perplexity means. Text is shown as escaped
 * bytes ({@link #escape}): valid UTF-8 as its characters, every other byte as \xNN.
 */
final class ContinuationsSection {
  private ContinuationsSection() {}

  static void render(StringBuilder h, CompareResults r, ArmColours colours) {
    h.append("<section id=\"continuations\">\n<h2>Continuations</h2>\n");
    Continuations c = r.continuations();
    if (c == null) {
      h.append("<p class=\"none\">This results.json has no continuations (it was written before they existed); "
          + "<code>np-eval compare --resume</code> on its directory adds them from the runs' final checkpoints.</p>\n"
          + "</section>\n");
      return;
    }
    h.append("<p class=\"note\">Each arm's model (its first seed's run, from that run's final checkpoint, in "
        + "inference mode) continues the same prompts with ").append(c.newBytes()).append(" new bytes. Prompts: ")
        .append(esc(c.promptRule())).append(". Continued ").append(esc(c.sampling())).append(". Bytes that are not "
            + "valid UTF-8 (a character cut off, or a byte sequence no encoder writes) are shown as "
            + "<span class=\"byte\">\\xNN</span>, control characters too, and a backslash as \\\\. "
            + "<code>np-eval generate</code> reproduces any of them (docs/generation.md).</p>\n");
    if (c.prompts().isEmpty()) {
      h.append("<p class=\"none\">No test document is long enough for a prompt.</p>\n</section>\n");
      return;
    }
    for (int i = 0; i < c.prompts().size(); i++) {
      h.append("<h3>Prompt ").append(i + 1).append("</h3>\n<table class=\"continuations\"><tbody>\n")
          .append("<tr><th>prompt</th><td colspan=\"2\" class=\"text prompt\">")
          .append(escape(c.prompts().get(i).raw())).append("</td></tr>\n");
      if (i < c.followedBy().size()) {
        h.append("<tr><th>the test text goes on</th><td colspan=\"2\" class=\"text\">")
            .append(escape(c.followedBy().get(i).raw())).append("</td></tr>\n");
      }
      h.append("<tr><th>arm</th><th>greedy</th><th>sampled</th></tr>\n");
      for (ArmContinuations a : c.arms()) {
        h.append("<tr>").append(colours.cell(a.arm()));
        if (a.unavailable() != null) {
          h.append("<td colspan=\"2\" class=\"not-ok\">no continuation: ").append(esc(a.unavailable()))
              .append("</td></tr>\n");
          continue;
        }
        h.append("<td class=\"text\">").append(text(a.greedy(), i)).append("</td><td class=\"text\">")
            .append(text(a.sampled(), i)).append("</td></tr>\n");
      }
      h.append("</tbody></table>\n");
    }
    h.append("</section>\n");
  }

  private static String text(List<ByteText> texts, int i) {
    return i < texts.size() ? escape(texts.get(i).raw()) : "<span class=\"none\">missing</span>";
  }

  /**
   * HTML for a byte string: each well-formed UTF-8 character as itself (HTML-escaped), each byte of a malformed
   * or cut-off sequence and each control character (U+0000..U+001F, U+007F) as a
   * {@code <span class="byte">\xNN</span>}, and a backslash as {@code \\}, so every byte can be read back.
   */
  static String escape(byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chars = CharBuffer.allocate(bytes.length + 1);
    StringBuilder out = new StringBuilder();
    while (in.hasRemaining()) {
      chars.clear();
      CoderResult result = decoder.decode(in, chars, true);
      chars.flip();
      append(out, chars);
      if (result.isError()) {
        for (int k = 0; k < result.length(); k++) {
          hex(out, in.get());
        }
      } else if (in.hasRemaining()) {
        hex(out, in.get()); // an underflow with bytes left: a character cut off at the end
      }
    }
    return out.toString();
  }

  private static void append(StringBuilder out, CharSequence chars) {
    for (int k = 0; k < chars.length(); k++) {
      char ch = chars.charAt(k);
      if (ch < 0x20 || ch == 0x7F) {
        hex(out, (byte) ch);
      } else if (ch == '\\') {
        out.append("\\\\");
      } else {
        out.append(esc(String.valueOf(ch)));
      }
    }
  }

  private static void hex(StringBuilder out, byte b) {
    out.append("<span class=\"byte\">\\x").append(String.format("%02X", b & 0xFF)).append("</span>");
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
