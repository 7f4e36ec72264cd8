package org.npffn.eval.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.npffn.eval.io.AtomicFiles;
import org.npffn.eval.io.JsonDifferences;
import org.npffn.eval.results.ResultsJson;

/**
 * The checkpoints of one training run, in one directory: {@code model-step<n>.zip} (weights, updater state and
 * the configuration with its iteration count, via ModelSerializer) and {@code checkpoint.json}, which names
 * the newest model file, its SHA-256, the training state and the configuration the run was started with.
 *
 * <p>Crash safety: the model file is written atomically first (temp file, fsync, rename), then
 * checkpoint.json is replaced atomically to point at it, and only then is the previous model file deleted.
 * A crash at any moment leaves a checkpoint.json that names a complete model file.
 */
public final class CheckpointStore {
  private static final String INDEX = "checkpoint.json";
  private static final int FORMAT = 1;

  private final Path dir;
  private final JsonNode config;
  private final ObjectMapper json = ResultsJson.mapper();

  /**
   * @param dir the run's checkpoint directory
   * @param config everything that defines the run (arm, seed, stack, training, FFN settings); a checkpoint
   *     written under another config is refused
   */
  public CheckpointStore(Path dir, Object config) {
    this.dir = dir;
    this.config = json.valueToTree(config);
  }

  /** A restored checkpoint. */
  public record Restored(ComputationGraph net, TrainingState state, Path model) {}

  /** The index a checkpoint.json holds. */
  record Index(int format, String model, String sha256, JsonNode config, TrainingState state) {}

  public Path directory() {
    return dir;
  }

  /** Whether this run has a checkpoint (usable or not). */
  public boolean exists() {
    return Files.exists(dir.resolve(INDEX));
  }

  /** Saves {@code net} and {@code state}; returns the model file. */
  public Path save(ComputationGraph net, TrainingState state) throws IOException {
    Path model = dir.resolve(String.format("model-step%07d.zip", state.step()));
    AtomicFiles.replace(model, f -> ModelSerializer.writeModel(net, f.toFile(), true));
    Index index = new Index(FORMAT, model.getFileName().toString(), sha256(model), config, state);
    AtomicFiles.replace(dir.resolve(INDEX), f -> json.writeValue(f.toFile(), index));
    for (Path old : modelFiles()) {
      if (!old.equals(model)) {
        Files.deleteIfExists(old);
      }
    }
    return model;
  }

  /**
   * The newest checkpoint, or empty if there is none.
   *
   * @throws CheckpointException when it is unreadable, its model file is missing or does not match its
   *     checksum, or it was written under another configuration
   */
  public Optional<Restored> restore() {
    if (!exists()) {
      return Optional.empty();
    }
    Index index = readIndex(dir);
    List<String> differences = JsonDifferences.between(index.config(), config);
    if (!differences.isEmpty()) {
      throw new CheckpointException("checkpoint " + dir.resolve(INDEX) + " was written with a different "
          + "configuration (" + String.join(", ", differences) + "); resume with the same options, or use another --out");
    }
    Path model = checkedModel(dir, index);
    try {
      ComputationGraph net = ModelSerializer.restoreComputationGraph(model.toFile(), true);
      return Optional.of(new Restored(net, index.state(), model));
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("checkpoint " + model + " cannot be restored (" + e + ")", e);
    }
  }

  /**
   * The model file of the newest checkpoint in {@code dir}, checked against its SHA-256, and the step it was
   * saved at; for readers that only load the model (np-eval generate), so the run's configuration is not asked.
   *
   * @throws CheckpointException when {@code dir} has no checkpoint.json, it is unreadable, or its model file is
   *     missing or does not match its checksum
   */
  public static Saved newestModel(Path dir) {
    if (!Files.exists(dir.resolve(INDEX))) {
      throw new CheckpointException(dir + " holds no " + INDEX);
    }
    Index index = readIndex(dir);
    return new Saved(checkedModel(dir, index), index.state().step());
  }

  /** A checkpoint's model file and the step it was saved at. */
  public record Saved(Path model, int step) {}

  private static Index readIndex(Path dir) {
    Path indexFile = dir.resolve(INDEX);
    Index index;
    try {
      index = ResultsJson.mapper().readValue(indexFile.toFile(), Index.class);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint " + indexFile + " is unreadable (" + e.getClass().getSimpleName()
          + "); delete " + dir + " to start this run over", e);
    }
    if (index.format() != FORMAT || index.model() == null || index.sha256() == null || index.state() == null) {
      throw new CheckpointException("checkpoint " + indexFile + " is incomplete or of another format; delete "
          + dir + " to start this run over");
    }
    return index;
  }

  private static Path checkedModel(Path dir, Index index) {
    Path model = dir.resolve(index.model());
    try {
      if (!Files.exists(model) || !sha256(model).equals(index.sha256())) {
        throw new CheckpointException("checkpoint " + model + " is corrupted: "
            + (Files.exists(model) ? "its SHA-256 does not match " + INDEX : "the file is missing")
            + "; delete " + dir + " to start this run over");
      }
    } catch (IOException e) {
      throw new CheckpointException("checkpoint " + model + " cannot be read (" + e + ")", e);
    }
    return model;
  }

  private List<Path> modelFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "model-step*.zip")) {
      s.forEach(files::add);
    }
    return files;
  }

  private static String sha256(Path file) throws IOException {
    return com.google.common.io.Files.asByteSource(file.toFile()).hash(Hashing.sha256()).toString();
  }
}
