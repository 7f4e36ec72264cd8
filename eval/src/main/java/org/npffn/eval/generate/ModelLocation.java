package org.npffn.eval.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.npffn.eval.train.CheckpointException;
import org.npffn.eval.train.CheckpointStore;

/**
 * The model file that {@code np-eval generate --model PATH [--arm ARM]} names. PATH is, in this order:
 * a file (a model zip); a directory holding model.zip (train's --out); a checkpoint directory (holding
 * checkpoint.json: its newest model, checked against its SHA-256); a compare run directory (holding
 * run-config.json: the arm's first seed's newest checkpoint; --arm may be left out when the run has one arm).
 */
public final class ModelLocation {
  /** The file {@code np-eval train} writes into its --out directory. */
  public static final String TRAIN_MODEL = "model.zip";

  private ModelLocation() {}

  /**
   * The model file for {@code path} and {@code arm} (null when not given).
   *
   * @throws IllegalArgumentException naming --model or --arm and what was found, in one line
   */
  public static Path resolve(Path path, String arm) {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("--model = " + path + ": no such file or directory");
    }
    boolean compareRun = Files.isDirectory(path) && Files.isRegularFile(path.resolve("run-config.json"));
    if (arm != null && !compareRun) {
      throw new IllegalArgumentException("--arm = " + arm + " applies to a compare run directory (one holding "
          + "run-config.json), and --model = " + path + " is not one");
    }
    if (Files.isRegularFile(path)) {
      return path;
    }
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("--model = " + path + " is neither a file nor a directory");
    }
    if (Files.isRegularFile(path.resolve(TRAIN_MODEL))) {
      return path.resolve(TRAIN_MODEL);
    }
    if (Files.exists(path.resolve("checkpoint.json"))) {
      return checkpoint(path);
    }
    if (compareRun) {
      return compareRun(path, arm);
    }
    throw new IllegalArgumentException("--model = " + path + " is a directory without " + TRAIN_MODEL
        + " (np-eval train), checkpoint.json (a checkpoint directory) or run-config.json (np-eval compare)");
  }

  private static Path checkpoint(Path dir) {
    try {
      return CheckpointStore.newestModel(dir).model();
    } catch (CheckpointException e) {
      throw new IllegalArgumentException("--model = " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Path compareRun(Path dir, String arm) {
    JsonNode config;
    try {
      config = new ObjectMapper().readTree(dir.resolve("run-config.json").toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("--model = " + dir + ": its run-config.json is unreadable ("
          + e.getClass().getSimpleName() + ")", e);
    }
    List<String> arms = new ArrayList<>();
    config.path("arms").forEach(a -> arms.add(a.asText()));
    JsonNode seeds = config.path("seeds");
    if (arms.isEmpty() || !seeds.isArray() || seeds.isEmpty()) {
      throw new IllegalArgumentException("--model = " + dir + ": its run-config.json names no arms or seeds");
    }
    long seed = seeds.get(0).asLong();
    if (arm == null && arms.size() > 1) {
      throw new IllegalArgumentException("--model = " + dir + " is a compare run of arms " + String.join(", ", arms)
          + ": pick one with --arm (its seed " + seed + " model is used), or give a checkpoint directory such as "
          + dir.resolve("checkpoints").resolve(arms.get(0) + "-seed" + seed));
    }
    String chosen = arm != null ? arm : arms.get(0);
    if (!arms.contains(chosen)) {
      throw new IllegalArgumentException("--arm = " + chosen + " is not an arm of the compare run " + dir + " ("
          + String.join(", ", arms) + ")");
    }
    Path checkpoints = dir.resolve("checkpoints").resolve(chosen + "-seed" + seed);
    if (!Files.exists(checkpoints.resolve("checkpoint.json"))) {
      throw new IllegalArgumentException("--model = " + dir + " holds no checkpoint of " + chosen + "/seed " + seed
          + " (the run has not reached its first checkpoint, or ran with --checkpoint-every 0)");
    }
    return checkpoint(checkpoints);
  }
}
