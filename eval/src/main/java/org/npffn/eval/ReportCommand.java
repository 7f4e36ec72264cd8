package org.npffn.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.npffn.eval.report.ReportPage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code np-eval report DIR}: re-renders DIR/report.html from DIR/results.json. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Re-render DIR/report.html from the results.json a compare wrote into DIR.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "a compare output directory (holds results.json)")
  Path dir;

  @Option(names = "--other-inits", split = ",", paramLabel = "DIR",
      description = "compare directories of the same comparison under other --init schemes: the report gains "
          + "a section saying whether each answer holds under every scheme (default: none)")
  List<Path> otherInits;

  @Override
  public Integer call() throws Exception {
    Path page = ReportPage.writeReport(dir, otherInits == null ? List.of() : otherInits);
    System.out.println("report in " + page);
    return 0;
  }
}
