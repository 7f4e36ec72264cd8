package org.npffn.eval.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/** A CSV file built row by row: numbers in full precision, non-finite and missing values as empty cells. */
public final class CsvTable {
  private final StringBuilder text = new StringBuilder();

  public CsvTable(String... header) {
    row((Object[]) header);
  }

  /** Appends a row; strings with a comma or quote are quoted. */
  public CsvTable row(Object... cells) {
    StringJoiner line = new StringJoiner(",", "", "\n");
    for (Object c : cells) {
      line.add(cell(c));
    }
    text.append(line);
    return this;
  }

  private static String cell(Object c) {
    if (c == null || (c instanceof Double d && !Double.isFinite(d))) {
      return "";
    }
    String s = c.toString();
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /** Writes the table atomically. */
  public void writeTo(Path file) throws IOException {
    AtomicFiles.replace(file, f -> Files.writeString(f, text));
  }
}
