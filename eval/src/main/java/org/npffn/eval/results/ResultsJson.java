package org.npffn.eval.results;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * The JSON form of results (docs/report.md): snake_case keys, and a number that is not finite written as
 * null, because JSON has no NaN and a strict reader (a browser's JSON.parse) would reject the whole file.
 * Reading maps null back to NaN.
 */
public final class ResultsJson {
  private ResultsJson() {}

  /** A new mapper configured for results files. */
  public static ObjectMapper mapper() {
    SimpleModule finite = new SimpleModule("finite-or-null");
    finite.addSerializer(Double.class, new FiniteDouble());
    finite.addSerializer(Double.TYPE, new FiniteDouble());
    finite.addSerializer(double[].class, new FiniteDoubles());
    finite.addDeserializer(Double.TYPE, new NumberDeserializers.DoubleDeserializer(Double.TYPE, Double.NaN));
    return new ObjectMapper().registerModule(finite)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  private static final class FiniteDouble extends StdSerializer<Double> {
    FiniteDouble() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      if (v == null || !Double.isFinite(v)) {
        g.writeNull();
      } else {
        g.writeNumber(v);
      }
    }
  }

  private static final class FiniteDoubles extends StdSerializer<double[]> {
    FiniteDoubles() {
      super(double[].class);
    }

    @Override
    public void serialize(double[] values, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartArray(values, values.length);
      for (double v : values) {
        if (Double.isFinite(v)) {
          g.writeNumber(v);
        } else {
          g.writeNull();
        }
      }
      g.writeEndArray();
    }
  }
}
