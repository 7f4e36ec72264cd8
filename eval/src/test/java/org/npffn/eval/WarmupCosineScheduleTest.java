package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.eval.train.WarmupCosineSchedule;

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
  void survivesTheNetworkConfigJsonRoundTrip() {
    ComputationGraphConfiguration conf = LanguageModelTrainer.network(TrainConfig.preset("smoke")).getConfiguration();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertEquals(conf.toJson(), back.toJson());
  }
}
