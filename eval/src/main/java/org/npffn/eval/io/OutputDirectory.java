package org.npffn.eval.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An output directory checked before the work that fills it: a run must not fail on its last write. */
public final class OutputDirectory {
  private OutputDirectory() {}

  /**
   * Creates {@code dir} if needed and checks a file can be created in it.
   *
   * @throws IllegalArgumentException naming the path and the reason (a usage error: exit code 2)
   */
  public static void require(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".write-check", ".tmp"));
    } catch (IOException e) {
      throw new IllegalArgumentException("--out = " + dir + " cannot be written: " + FileErrors.reason(e), e);
    }
  }
}
