package org.npffn.eval.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.io.JsonDifferences;
import org.npffn.eval.results.ResultsJson;
import org.npffn.eval.results.RunResult;
import org.npffn.eval.train.CheckpointException;
import org.npffn.eval.train.CheckpointStore;
import org.npffn.eval.train.TrainConfig;

/**
 * The output directory of a compare run: run-config.json (the resolved config it was started with),
 * checkpoints/&lt;arm&gt;-seed&lt;s&gt;/ per run, runs/&lt;arm&gt;-seed&lt;s&gt;.json per finished run, then
 * results.json, the CSVs and report.html. A run directory is only ever continued with the same config
 * (--resume); a fresh compare never writes over a previous run's files.
 */
public final class RunDirectory {
  private static final String CONFIG = "run-config.json";

  private final Path dir;
  private final ObjectMapper json = ResultsJson.mapper();

  private RunDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens {@code dir} for a run with {@code config}.
   *
   * @throws IllegalArgumentException when it holds a previous run and {@code resume} is false
   * @throws CheckpointException when resuming a run that was started with another config
   */
  public static RunDirectory open(Path dir, Object config, boolean resume) throws IOException {
    RunDirectory d = new RunDirectory(dir);
    Path file = dir.resolve(CONFIG);
    JsonNode now = d.json.valueToTree(config);
    if (Files.exists(file)) {
      if (!resume) {
        throw new IllegalArgumentException("--out = " + dir + " holds a previous run; pass --resume to continue it, "
            + "or choose another --out");
      }
      JsonNode saved;
      try {
        saved = d.json.readTree(file.toFile());
      } catch (IOException e) {
        throw new CheckpointException(file + " is unreadable (" + e.getClass().getSimpleName() + ")", e);
      }
      var differences = JsonDifferences.between(saved, now);
      if (!differences.isEmpty()) {
        throw new CheckpointException("cannot resume " + dir + ": it was started with a different configuration ("
            + String.join(", ", differences) + ")");
      }
    } else {
      AtomicFiles.replace(file, f -> d.json.writeValue(f.toFile(), now));
    }
    return d;
  }

  public Path path() {
    return dir;
  }

  /** The checkpoints of one run; they record the arm, seed, training config and FFN settings. */
  public CheckpointStore checkpoints(Arm arm, TrainConfig c, FfnSettings s) {
    Map<String, Object> runConfig = new LinkedHashMap<>();
    runConfig.put("arm", arm.label());
    runConfig.put("training", c);
    runConfig.put("ffn", s);
    return new CheckpointStore(dir.resolve("checkpoints").resolve(name(arm.label(), c.seed())), runConfig);
  }

  /** The result of a run that finished (or failed) before, if any. */
  public Optional<RunResult> finished(Arm arm, long seed) throws IOException {
    Path file = runFile(arm.label(), seed);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(file.toFile(), RunResult.class));
    } catch (IOException e) {
      throw new CheckpointException(file + " is unreadable (" + e.getClass().getSimpleName() + "); delete it to "
          + "run that arm again", e);
    }
  }

  /** Saves a run's result atomically. */
  public void save(RunResult r) throws IOException {
    AtomicFiles.replace(runFile(r.arm(), r.seed()), f -> json.writeValue(f.toFile(), r));
  }

  private Path runFile(String arm, long seed) {
    return dir.resolve("runs").resolve(name(arm, seed) + ".json");
  }

  private static String name(String arm, long seed) {
    return arm + "-seed" + seed;
  }
}
