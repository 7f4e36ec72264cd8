package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** What a user reads: every option's default in --help, and no terminal escapes in piped build output. */
class CliHelpTest {

  @ParameterizedTest
  @ValueSource(strings = {"compare", "train", "generate", "bench", "report"})
  void everyOptionStatesItsDefault(String command) {
    CommandLine cli = new CommandLine(new NpEval());
    HelpDefaults.describe(cli.getSubcommands().get(command).getCommandSpec());
    for (OptionSpec o : cli.getSubcommands().get(command).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      String text = String.join(" ", o.description());
      boolean stated = text.contains("default") || o.defaultValue() != null && text.contains("${DEFAULT-VALUE}");
      assertTrue(stated, command + " " + o.longestName() + ": " + text);
    }
  }

  @Test
  void theDefaultsComeFromThePresetsAndTheFfnSettings() {
    CommandLine cli = new CommandLine(new NpEval());
    HelpDefaults.describe(cli.getSubcommands().get("compare").getCommandSpec());
    var spec = cli.getSubcommands().get("compare").getCommandSpec();
    assertTrue(String.join(" ", spec.findOption("--steps").description())
        .endsWith("(default: the preset's: smoke 60, default 450, long 900, full 4000)"));
    assertTrue(String.join(" ", spec.findOption("--experts").description()).endsWith("(default: 8)"));
  }

  /**
   * The launcher's build step, with stand-ins for mvn (which writes ESC[0m as Maven 3.8 does with -B) and java:
   * piped to a file, its output holds no escape codes.
   */
  @Test
  void theLaunchersBuildOutputHasNoEscapesWhenPiped(@TempDir Path dir) throws IOException, InterruptedException {
    Path launcher = Path.of("..", "np-eval").toAbsolutePath().normalize();
    Path home = Files.createDirectories(dir.resolve("project"));
    Files.copy(launcher, home.resolve("np-eval"));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    fake(bin.resolve("mvn"), "printf '\\033[0m\\033[0m[INFO] built\\n'; mkdir -p eval/target; "
        + "touch eval/target/eval-0.1.0-SNAPSHOT.jar eval/target/classpath.txt");
    fake(bin.resolve("java"), "echo java ran");
    Path log = dir.resolve("log.txt");
    ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("np-eval").toString(), "--help")
        .redirectErrorStream(true).redirectOutput(log.toFile()).directory(home.toFile());
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("[INFO] built") && text.contains("java ran"), text);
    assertFalse(text.contains("\u001b"), "no ANSI escapes in piped output: " + text);
  }

  private static void fake(Path file, String body) throws IOException {
    Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
