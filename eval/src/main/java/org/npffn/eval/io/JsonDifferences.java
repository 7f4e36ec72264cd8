package org.npffn.eval.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Where two JSON configurations differ, as dotted paths with both values, so a refusal can say what changed. */
public final class JsonDifferences {
  private JsonDifferences() {}

  /** E.g. ["training.width: 128 vs 256"]; empty when equal. */
  public static List<String> between(JsonNode saved, JsonNode now) {
    List<String> out = new ArrayList<>();
    collect("", saved, now, out);
    return out;
  }

  private static void collect(String path, JsonNode a, JsonNode b, List<String> out) {
    if (a != null && b != null && a.isObject() && b.isObject()) {
      Set<String> names = new TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        collect(path.isEmpty() ? n : path + "." + n, a.get(n), b.get(n), out);
      }
    } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        collect(path + "[" + i + "]", a.get(i), b.get(i), out);
      }
    } else if (a != null && b != null && a.isNumber() && b.isNumber()) {
      // a long written to a file reads back as an int node: compare numbers by value
      if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
        out.add(path + ": " + a + " vs " + b);
      }
    } else if (a == null || b == null || !a.equals(b)) {
      out.add((path.isEmpty() ? "config" : path) + ": " + a + " vs " + b);
    }
  }
}
