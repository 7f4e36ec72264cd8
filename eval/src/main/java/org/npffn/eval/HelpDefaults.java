package org.npffn.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.npffn.eval.compare.FfnSettings;
import org.npffn.eval.train.TrainConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Puts each option's default into its --help line. The stack and FFN options have no picocli default (an
 * unset option means "the preset's value"), so their defaults are read from the presets and from
 * FfnSettings.defaults() here, where they are defined, instead of being written a second time in the text.
 */
final class HelpDefaults {
  private static final List<String> PRESETS = List.of("smoke", "default", "long", "full");

  private HelpDefaults() {}

  /** Appends the defaults of the training and FFN options that {@code spec} has. */
  static void describe(CommandSpec spec) {
    Map<String, String> defaults = new LinkedHashMap<>();
    perPreset(defaults, "--steps", TrainConfig::steps);
    perPreset(defaults, "--batch", TrainConfig::batch);
    perPreset(defaults, "--length", TrainConfig::length);
    perPreset(defaults, "--width", TrainConfig::width);
    perPreset(defaults, "--blocks", TrainConfig::blocks);
    perPreset(defaults, "--heads", TrainConfig::heads);
    perPreset(defaults, "--hidden", TrainConfig::hidden);
    perPreset(defaults, "--lr", TrainConfig::learningRate);
    perPreset(defaults, "--warmup", TrainConfig::warmup);
    perPreset(defaults, "--weight-decay", TrainConfig::weightDecay);
    perPreset(defaults, "--clip", TrainConfig::clip);
    perPreset(defaults, "--seed", TrainConfig::seed);
    perPreset(defaults, "--max-bytes", TrainConfig::maxCorpusBytes);
    perPreset(defaults, "--eval-tokens", TrainConfig::evalTokens);
    perPreset(defaults, "--init", TrainConfig::init);
    FfnSettings f = FfnSettings.defaults();
    defaults.put("--activation", String.valueOf(f.activation()));
    defaults.put("--experts", String.valueOf(f.experts()));
    defaults.put("--top-k", String.valueOf(f.topK()));
    defaults.put("--aux-weight", String.valueOf(f.auxLossWeight()));
    defaults.put("--z-weight", String.valueOf(f.zLossWeight()));
    defaults.put("--capacity-factor", f.capacityFactor() == null ? "unset" : String.valueOf(f.capacityFactor()));
    defaults.put("--overflow", String.valueOf(f.overflow()));
    defaults.put("--gating", String.valueOf(f.gating()));
    defaults.put("--router-rank", String.valueOf(f.routerRank()));
    defaults.put("--shared-experts", String.valueOf(f.sharedExperts()));
    defaults.put("--bias-rate", String.valueOf(f.biasRate()));
    defaults.put("--relu-shift-rate", String.valueOf(f.reluShiftRate()));
    defaults.put("--np-context-width", String.valueOf(f.npContextWidth()));
    defaults.put("--np-context-mode", String.valueOf(f.npContextMode()));
    defaults.put("--np-gating", String.valueOf(f.npGating()));
    defaults.put("--np-selector-rank", String.valueOf(f.npSelectorRank()));
    defaults.put("--np-context-projection", String.valueOf(f.npContextProjection()));
    defaults.put("--np-decay", String.valueOf(f.npDecay()));
    defaults.forEach((name, value) -> {
      OptionSpec o = spec.findOption(name);
      if (o != null) {
        String[] text = o.description().clone();
        text[text.length - 1] += " (default: " + value + ")";
        spec.remove(o);
        spec.addOption(OptionSpec.builder(o).description(text).build());
      }
    });
  }

  /** "0.01" when every preset has the same value, else "the preset's: smoke 60, default 450, ...". */
  private static void perPreset(Map<String, String> defaults, String name, Function<TrainConfig, Object> field) {
    List<String> values = PRESETS.stream().map(p -> String.valueOf(field.apply(TrainConfig.preset(p)))).toList();
    if (values.stream().distinct().count() == 1) {
      defaults.put(name, values.get(0));
      return;
    }
    StringBuilder s = new StringBuilder("the preset's: ");
    for (int i = 0; i < PRESETS.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(PRESETS.get(i)).append(' ').append(values.get(i));
    }
    defaults.put(name, s.toString());
  }
}
