package org.npffn.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

/**
 * The JSON Schema of results.json (resource results.schema.json, documented in docs/report.md), checked with
 * networknt's json-schema-validator: a maintained draft 2020-12 implementation on the Jackson the project
 * already uses, so a bad file is refused with the JSON path of what is wrong.
 */
public final class ResultsSchema {
  private final JsonSchema schema;

  public ResultsSchema() {
    try (InputStream in = ResultsSchema.class.getResourceAsStream("results.schema.json")) {
      schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException("results.schema.json is missing from the classpath", e);
    }
  }

  /** What is wrong with {@code results}, one line each, sorted by path; empty when it is valid. */
  public List<String> problems(JsonNode results) {
    return schema.validate(results).stream().map(ValidationMessage::getMessage)
        .sorted(Comparator.naturalOrder()).toList();
  }
}
