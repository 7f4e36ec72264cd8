package org.npffn.eval.data;

/** A corpus that cannot be used: missing, unreadable, empty or not text. The message is one line. */
public class CorpusException extends RuntimeException {
  public CorpusException(String message) {
    super(message);
  }

  public CorpusException(String message, Throwable cause) {
    super(message, cause);
  }
}
