package org.npffn.eval;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.npffn.eval.report.ReportPage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code np-eval report DIR}: re-renders DIR/report.html from DIR/results.json. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Re-render DIR/report.html from the results.json a compare wrote into DIR.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "a compare output directory (holds results.json)")
  Path dir;

  @Override
  public Integer call() throws Exception {
    Path page = ReportPage.writeReport(dir);
    System.out.println("report in " + page);
    return 0;
  }
}
