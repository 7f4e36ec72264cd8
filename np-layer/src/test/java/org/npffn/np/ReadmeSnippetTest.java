package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.npffn.stack.TransformerStack;
import org.npffn.stack.decoding.Generator;
import org.npffn.stack.decoding.Sampling;

/** The README's "Use it in your model" example runs (train, save, load, generate), and the README shows exactly this code. */
class ReadmeSnippetTest {
  private static final String BEGIN = "    // --- README snippet begins\n";
  private static final String END = "    // --- README snippet ends\n";

  @TempDir
  Path dir;

  @Test
  void theReadmeExampleTrainsSavesAndLoads() throws Exception {
    long b = 2;
    long t = 12;
    INDArray ids = Nd4j.createFromArray(new float[][] {floats("Hello, world"), floats("Guten Tag!!!")});
    INDArray labels = Nd4j.zeros(DataType.FLOAT, b, t, 256);
    for (int i = 0; i < b; i++) {
      for (int j = 0; j + 1 < t; j++) {
        labels.putScalar(new long[] {i, j, (long) ids.getDouble(i, j + 1)}, 1);
      }
    }
    INDArray mask = Nd4j.ones(DataType.FLOAT, b, t);
    File file = dir.resolve("model.zip").toFile();
    // --- README snippet begins
    ComputationGraph net = new ComputationGraph(new TransformerStack()
        .vocabSize(256).width(64).blocks(2).heads(4).maxLength(32)
        .ffn((block, d) -> new NpFfn.Builder().hidden(4 * d).groups(8).contextWidth(16).build()) // any FfnSlotConf
        .base(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)))
        .build());
    net.init();
    // ids [B, T] byte values; labels [B, T, 256] one-hot next bytes; mask [B, T], 1 for real tokens
    net.fit(new MultiDataSet(new INDArray[] {ids}, new INDArray[] {labels}, new INDArray[] {mask}, new INDArray[] {mask}));
    ModelSerializer.writeModel(net, file, true);                                     // weights and updater state
    ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file, true);
    INDArray next = loaded.outputSingle(ids);                                        // [B, T, 256] next-byte probabilities
    int[] continuation = Generator.of(loaded).generate("Hello".chars().toArray(),    // KV cache, NP running context
        Sampling.defaults().withTemperature(0.8).withTopK(40).withSeed(1).withMaxNewTokens(20));
    // --- README snippet ends
    assertEquals(net.outputSingle(ids), next, "the loaded model computes what the saved one did");
    assertEquals(1.0, next.sum(2).getDouble(0, 0), 1e-5);
    assertEquals(20, continuation.length);
    assertTrue(Arrays.stream(continuation).allMatch(id -> id >= 0 && id < 256));

    String source = Files.readString(Path.of("src/test/java/org/npffn/np/ReadmeSnippetTest.java"));
    String snippet = source.substring(source.indexOf(BEGIN) + BEGIN.length(), source.indexOf(END))
        .replaceAll("(?m)^    ", "");
    String readme = Files.readString(Path.of("..", "README.md"));
    assertTrue(readme.contains("```java\n" + snippet + "```"), "README.md shows the snippet of this test:\n"
        + snippet);
  }

  private static float[] floats(String s) {
    float[] f = new float[s.length()];
    for (int i = 0; i < f.length; i++) {
      f[i] = s.charAt(i);
    }
    return f;
  }
}
