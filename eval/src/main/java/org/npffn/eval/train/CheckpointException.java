package org.npffn.eval.train;

/** A checkpoint that cannot be used: unreadable, corrupted or written by another configuration. One line. */
public class CheckpointException extends RuntimeException {
  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
