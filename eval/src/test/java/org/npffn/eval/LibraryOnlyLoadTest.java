package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model the harness saved loads in a program that has the library modules and DL4J on its classpath but not
 * eval (issue 16): every class a saved configuration names (layers, schedule) lives in the library. The
 * program is a single Java source file run by a separate JVM, so nothing of eval leaks in.
 */
class LibraryOnlyLoadTest {
  private static final String PROGRAM = """
      import java.io.File;
      import org.deeplearning4j.nn.graph.ComputationGraph;
      import org.deeplearning4j.util.ModelSerializer;
      import org.nd4j.linalg.api.buffer.DataType;
      import org.nd4j.linalg.factory.Nd4j;

      public class LoadModel {
        public static void main(String[] args) throws Exception {
          for (String zip : args) {
            ComputationGraph net = ModelSerializer.restoreComputationGraph(new File(zip), true);
            float[] out = net.outputSingle(Nd4j.createFromArray(new float[][] {{72, 101, 108, 108, 111}}))
                .castTo(DataType.FLOAT).data().asFloat();
            System.out.println("loaded " + new File(zip).getName() + " " + net.numParams() + " " + out[0]);
          }
        }
      }
      """;

  @TempDir
  Path dir;

  @Test
  void harnessSavedModelsLoadWithTheLibraryModulesAlone() throws IOException, InterruptedException {
    Path compare = dir.resolve("compare");
    assertEquals(0, NpEval.run(new PrintWriter(new StringWriter(), true), "compare", "--preset", "smoke", "--steps",
        "3", "--seeds", "1", "--eval-tokens", "512", "--arms", "moe-aux,np", "--out", compare.toString()));
    Path train = dir.resolve("train");
    assertEquals(0, NpEval.run(new PrintWriter(new StringWriter(), true), "train", "--preset", "smoke", "--steps",
        "3", "--eval-tokens", "512", "--out", train.toString()));
    List<String> zips = new ArrayList<>();
    zips.add(train.resolve("model.zip").toString());
    try (Stream<Path> s = Files.walk(compare.resolve("checkpoints"))) {
      s.filter(p -> p.toString().endsWith(".zip")).map(Path::toString).sorted().forEach(zips::add);
    }
    assertEquals(3, zips.size(), zips.toString());

    String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains(File.separator + "eval" + File.separator + "target"))
        .collect(Collectors.joining(File.pathSeparator));
    assertFalse(classpath.contains("eval-0.1.0"), "eval is not on the program's classpath");
    assertTrue(classpath.contains("attention-stack") && classpath.contains("np-layer"),
        "the library modules are, by name (not through a manifest-only jar): " + classpath);
    Path source = Files.writeString(dir.resolve("LoadModel.java"), PROGRAM);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", classpath, source.toString()));
    command.addAll(zips);
    Path log = dir.resolve("log.txt");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the program finished");
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertEquals(3, out.lines().filter(l -> l.startsWith("loaded ")).count(), out);
  }
}
