package org.npffn.eval.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the stated answer holds under every initialisation: the same comparison run with several --init
 * schemes, each question's verdict per scheme (the first arm below the reference, above it, or not separated
 * by the 95% interval), and whether the verdicts differ. An independent implementation ranked the arms
 * differently under N(0, 0.02) and a fan-in init, so a ranking is a finding only where it holds under each.
 *
 * @param inits the schemes, in the order given
 * @param questions one per question of the stated answer that every scheme asks
 */
public record InitSensitivity(List<String> inits, List<Question> questions) {

  /** How one comparison came out under one scheme. */
  public enum Verdict {
    BELOW("below"), ABOVE("above"), NOT_SEPARATED("not separated"), NO_INTERVAL("no interval");

    private final String words;

    Verdict(String words) {
      this.words = words;
    }

    public String words() {
      return words;
    }

    static Verdict of(PairedDifference p) {
      if (p.differencePercent().n() < Interval.MIN_SEEDS) {
        return NO_INTERVAL;
      }
      return !p.excludesZero() ? NOT_SEPARATED : p.differenceBitsPerByte().mean() < 0 ? BELOW : ABOVE;
    }
  }

  /**
   * One question across the schemes.
   *
   * @param question e.g. "np vs dense"
   * @param answers the comparison under each scheme, in the order of {@code inits}
   * @param verdicts the verdict under each scheme
   * @param dependsOnInit whether the verdicts differ (a difference seen under one scheme and not, or reversed,
   *     under another)
   * @param sentence the question in one sentence
   */
  public record Question(String question, List<PairedDifference> answers, List<Verdict> verdicts,
      boolean dependsOnInit, String sentence) {}

  /**
   * The questions every scheme's results ask, with their verdicts.
   *
   * @param runsByInit each scheme's runs
   */
  public static InitSensitivity of(Map<String, List<RunResult>> runsByInit) {
    List<String> inits = List.copyOf(runsByInit.keySet());
    Map<String, List<PairedDifference>> byQuestion = new LinkedHashMap<>();
    runsByInit.values().forEach(runs -> StatedAnswer.of(runs)
        .forEach(p -> byQuestion.computeIfAbsent(p.question(), q -> new ArrayList<>()).add(p)));
    List<Question> questions = new ArrayList<>();
    byQuestion.forEach((q, answers) -> {
      if (answers.size() != inits.size()) {
        return; // a scheme that lacks one of the arms cannot say
      }
      List<Verdict> verdicts = answers.stream().map(Verdict::of).toList();
      Set<Verdict> distinct = new LinkedHashSet<>(verdicts);
      boolean depends = distinct.size() > 1;
      StringBuilder s = new StringBuilder(q).append(": ");
      for (int i = 0; i < inits.size(); i++) {
        PairedDifference p = answers.get(i);
        s.append(i == 0 ? "" : "; ").append(p.arm()).append(' ').append(verdicts.get(i).words()).append(' ')
            .append(p.reference()).append(" under ").append(inits.get(i))
            .append(String.format(" (%+.2f%%)", p.differencePercent().mean()));
      }
      s.append(depends ? ". The verdict depends on the initialisation." : ". The same under every scheme.");
      questions.add(new Question(q, List.copyOf(answers), verdicts, depends, s.toString()));
    });
    return new InitSensitivity(inits, questions);
  }

  /** Whether any question's verdict depends on the scheme. */
  public boolean anyDepends() {
    return questions.stream().anyMatch(Question::dependsOnInit);
  }
}
