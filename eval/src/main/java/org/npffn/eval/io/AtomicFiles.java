package org.npffn.eval.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so a crash never leaves a half-written one in place: write a temporary file beside the
 * target, fsync it, then rename it over the target atomically.
 */
public final class AtomicFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AtomicFiles() {}

  /** Something that writes a whole file at the path it is given. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(Path file) throws IOException;
  }

  /** Replaces {@code target} with what {@code writer} writes, or leaves it untouched if writing fails. */
  public static Path replace(Path target, Writer writer) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      writer.writeTo(tmp);
      if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
        // createTempFile makes the file private (rw-------); results are for everyone who can read the directory
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** Writes {@code value} as indented JSON (Jackson), atomically. */
  public static Path writeJson(Path target, Object value) throws IOException {
    return replace(target, f -> JSON.writeValue(f.toFile(), value));
  }
}
