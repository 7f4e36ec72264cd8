package org.npffn.eval.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Why a file operation failed, in words: Java's file exceptions often carry only the path. */
public final class FileErrors {
  private FileErrors() {}

  /** The reason of {@code e}, e.g. "permission denied" or "Read-only file system". */
  public static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory" + where((FileSystemException) e);
    }
    if (e instanceof FileAlreadyExistsException a) {
      return "a file is in the way (" + a.getFile() + ")";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory" + where((FileSystemException) e);
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + where(f);
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static String where(FileSystemException e) {
    return e.getFile() == null ? "" : " (" + e.getFile() + ")";
  }
}
