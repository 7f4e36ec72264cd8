package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.npffn.stack.schedule.WarmupCosineSchedule;

/** Warm-up then cosine: its values, and the JSON round trip a saved model's updater takes. */
class WarmupCosineScheduleTest {

  @Test
  void warmsUpLinearlyThenDecaysToTheMinimum() {
    WarmupCosineSchedule s = new WarmupCosineSchedule(1.0, 0.1, 10, 110);
    assertEquals(0.1, s.valueAt(0, 0), 1e-12);
    assertEquals(1.0, s.valueAt(9, 0), 1e-12);
    assertEquals(1.0, s.valueAt(10, 0), 1e-12);
    assertEquals(0.55, s.valueAt(60, 0), 1e-12); // halfway through the cosine
    assertEquals(0.1, s.valueAt(110, 0), 1e-12);
    assertEquals(0.1, s.valueAt(500, 0), 1e-12);
  }

  @Test
  void survivesTheUpdatersJsonRoundTrip() throws Exception {
    IUpdater adam = new Adam(new WarmupCosineSchedule(2e-3, 2e-4, 50, 450));
    ObjectMapper json = org.deeplearning4j.nn.conf.NeuralNetConfiguration.mapper();
    IUpdater back = json.readValue(json.writeValueAsString(adam), IUpdater.class);
    assertEquals(adam, back);
  }
}
