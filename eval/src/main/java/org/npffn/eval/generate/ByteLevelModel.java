package org.npffn.eval.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.npffn.stack.decoding.Generator;
import org.npffn.stack.embedding.TokenPositionEmbedding;

/**
 * A saved language model that np-eval can generate bytes with: a DL4J model zip (ComputationGraph or
 * MultiLayerNetwork) built from the stack, whose token ids are bytes (a vocabulary of at most 256 ids, in and
 * out). Loaded without its updater state, which generation does not need.
 *
 * @param file the model zip
 * @param generator the generator over the loaded network
 * @param vocabulary ids the model takes, [0, vocabulary); 256 for the harness's byte-level models
 * @param maxLength positions the model takes (its position embeddings' length)
 */
public record ByteLevelModel(Path file, Generator generator, int vocabulary, long maxLength) {
  /** Token ids are bytes: a larger vocabulary is not byte-level. */
  public static final int BYTES = 256;

  /**
   * Loads {@code file}.
   *
   * @throws IllegalArgumentException in one line when it is not a zip, not a DL4J model, not built from the
   *     stack (no token embedding, or parts that cannot step), or its vocabulary is not byte-level
   */
  public static ByteLevelModel load(Path file) {
    String what = "--model = " + file;
    boolean graph = isGraph(file, what);
    Layer[] layers;
    Generator generator;
    Layer output;
    try {
      if (graph) {
        ComputationGraph net = ModelSerializer.restoreComputationGraph(file.toFile(), false);
        layers = net.getLayers();
        output = net.getOutputLayer(0);
        generator = Generator.of(net);
      } else {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        layers = net.getLayers();
        output = net.getOutputLayer();
        generator = Generator.of(net);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not a language model built from the stack: "
          + firstLine(e.getMessage()), e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(what + " cannot be loaded as a DL4J model: " + firstLine(e.toString()), e);
    }
    long in = 0;
    for (Layer l : layers) {
      if (l.conf().getLayer() instanceof TokenPositionEmbedding e) {
        in = e.getNIn();
      }
    }
    long out = output.conf().getLayer() instanceof FeedForwardLayer f ? f.getNOut() : 0;
    if (in > BYTES || out > BYTES || out < 1) {
      throw new IllegalArgumentException(String.format("%s is not a byte-level model: it takes %d token ids and "
          + "predicts %d (byte-level: at most %d each)", what, in, out, BYTES));
    }
    return new ByteLevelModel(file, generator, (int) Math.min(in, out), generator.maxLength());
  }

  /** Whether the zip holds a ComputationGraph (else a MultiLayerNetwork), from its configuration.json. */
  private static boolean isGraph(Path file, String what) {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry("configuration.json");
      if (entry == null || zip.getEntry("coefficients.bin") == null) {
        throw new IllegalArgumentException(what + " is a zip but not a model saved by DL4J's ModelSerializer (no "
            + "configuration.json and coefficients.bin)");
      }
      JsonNode conf;
      try (InputStream in = zip.getInputStream(entry)) {
        conf = new ObjectMapper().readTree(in);
      }
      if (conf != null && conf.has("vertices")) {
        return true;
      }
      if (conf != null && conf.has("confs")) {
        return false;
      }
      throw new IllegalArgumentException(what + ": its configuration.json is neither a ComputationGraph's nor a "
          + "MultiLayerNetwork's");
    } catch (ZipException e) {
      throw new IllegalArgumentException(what + " is not a model zip (not a zip file)", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " cannot be read: " + firstLine(e.toString()), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no message";
    }
    int end = s.indexOf('\n');
    return (end < 0 ? s : s.substring(0, end)).strip();
  }
}
