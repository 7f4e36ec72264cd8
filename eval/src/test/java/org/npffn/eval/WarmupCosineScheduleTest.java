package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.stack.schedule.WarmupCosineSchedule;

class WarmupCosineScheduleTest {

  @Test
  void survivesTheNetworkConfigJsonRoundTrip() {
    ComputationGraphConfiguration conf = LanguageModelTrainer.network(TrainConfig.preset("smoke")).getConfiguration();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertEquals(conf.toJson(), back.toJson());
  }

  @Test
  @SuppressWarnings("deprecation")
  void aModelSavedUnderTheScheduleOldNameStillLoads() {
    ComputationGraphConfiguration conf = LanguageModelTrainer.network(TrainConfig.preset("smoke")).getConfiguration();
    String json = conf.toJson();
    assertTrue(json.contains("org.npffn.stack.schedule.WarmupCosineSchedule"), "new models name the library class");
    String old = json.replace("org.npffn.stack.schedule.WarmupCosineSchedule", "org.npffn.eval.train.WarmupCosineSchedule");
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(old);
    assertEquals(conf.toJson().replace("org.npffn.stack.schedule.", "org.npffn.eval.train."), back.toJson());
  }
}
