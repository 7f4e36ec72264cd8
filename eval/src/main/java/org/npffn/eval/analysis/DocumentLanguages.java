package org.npffn.eval.analysis;

import com.google.common.base.Preconditions;
import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The language of each document, by Optimaize's n-gram language detector (com.optimaize.languagedetector,
 * 71 built-in profiles, which cover all of Europarl's languages; about 2 MB, where the more accurate Lingua
 * is about 80 MB). A Europarl line is "title TAB date TAB body": the body is what is detected. A document
 * whose most probable language has probability below {@link #MIN_PROBABILITY} is "unknown".
 */
public final class DocumentLanguages {
  /** Below this probability of the best language, a document's language is unknown. */
  public static final double MIN_PROBABILITY = 0.9;
  public static final String UNKNOWN = "unknown";

  private final List<String> languages;

  private DocumentLanguages(List<String> languages) {
    this.languages = Collections.unmodifiableList(languages);
  }

  /** Detects the language of every document (UTF-8 bytes). */
  public static DocumentLanguages detect(List<byte[]> documents) {
    Preconditions.checkArgument(!documents.isEmpty(), "documents = [] has nothing to detect");
    LanguageDetector detector;
    try {
      detector = LanguageDetectorBuilder.create(NgramExtractors.standard())
          .withProfiles(new LanguageProfileReader().readAllBuiltIn()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("the language detector's built-in profiles are missing", e);
    }
    TextObjectFactory text = CommonTextObjectFactories.forDetectingOnLargeText();
    List<String> out = new ArrayList<>(documents.size());
    for (byte[] d : documents) {
      String s = new String(d, StandardCharsets.UTF_8);
      String body = s.substring(s.lastIndexOf('\t') + 1);
      List<DetectedLanguage> p = detector.getProbabilities(text.forText(body));
      out.add(p.isEmpty() || p.get(0).getProbability() < MIN_PROBABILITY ? UNKNOWN
          : p.get(0).getLocale().getLanguage());
    }
    return new DocumentLanguages(out);
  }

  /** Languages given directly (tests, or a corpus with known languages). */
  public static DocumentLanguages of(List<String> languages) {
    return new DocumentLanguages(new ArrayList<>(languages));
  }

  /** The language of document {@code i}. */
  public String of(int i) {
    return languages.get(i);
  }

  public int size() {
    return languages.size();
  }

  /** Language → number of documents, by language code. */
  public Map<String, Integer> counts() {
    Map<String, Integer> c = new TreeMap<>();
    languages.forEach(l -> c.merge(l, 1, Integer::sum));
    return c;
  }

  /** Language → its documents, in corpus order, languages by code. */
  public Map<String, List<byte[]>> split(List<byte[]> documents) {
    Preconditions.checkArgument(documents.size() == languages.size(), "documents (%s) and languages (%s) differ",
        documents.size(), languages.size());
    Map<String, List<byte[]>> byLanguage = new TreeMap<>();
    for (int i = 0; i < documents.size(); i++) {
      byLanguage.computeIfAbsent(languages.get(i), l -> new ArrayList<>()).add(documents.get(i));
    }
    return new LinkedHashMap<>(byLanguage);
  }
}
