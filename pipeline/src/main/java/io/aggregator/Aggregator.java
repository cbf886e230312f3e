package io.aggregator;

import io.aggregator.launch.JobLauncher;
import io.aggregator.launch.RunningJob;
import io.aggregator.options.AggregatorOptions;
import io.aggregator.options.CommandLine;
import io.aggregator.options.JobSettings;
import io.aggregator.options.Secrets;
import io.aggregator.page.ResultsPage;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Aggregator job: Kafka JSON events → table SOURCE → the SQL file's query → MongoDB upserts
 * (or the console). {@code main} parses the options, plans the job ({@link JobPlan}), starts it
 * ({@link JobLauncher}) and waits for it ({@link RunningJob}); the graph itself is {@link
 * AggregateEvents}.
 */
public final class Aggregator {

  /** Exit status for a bad option or SQL file. */
  public static final int EXIT_BAD_INPUT = 2;

  private Aggregator() {}

  public static void main(String[] args) {
    Exit exit = execute(args);
    if (exit.job != null && exit.job.leftRunning()) {
      // The job could not be stopped: the runner's own shutdown hooks would hang on it as well,
      // so exit without running them.
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(exit.status);
    }
    System.exit(exit.status);
  }

  /** Runs the job; returns the process exit status (0 when a bounded run completes). */
  public static int run(String[] args) {
    return execute(args).status;
  }

  /**
   * Checks the command line and the SQL file, builds the pipeline and starts it.
   *
   * @throws IllegalArgumentException for a bad option or SQL file (one line, naming it)
   * @throws IllegalStateException when Kafka cannot describe the topic
   */
  public static RunningJob start(String[] args) {
    AggregatorOptions options = CommandLine.parse(args);
    JobPlan plan = JobPlan.prepare(JobSettings.from(options));
    ResultsPage page = JobLauncher.openResultsPage(options, plan); // before the job: a busy port stops it
    try {
      // A restart starts from the command line again: the runner's options are changed at start.
      return JobLauncher.start(options, plan)
          .restartingWhenTheTopicGrows(() -> JobLauncher.start(CommandLine.parse(args), plan))
          .showingOn(page);
    } catch (RuntimeException e) {
      if (page != null) {
        page.close();
      }
      throw e;
    }
  }

  private static Exit execute(String[] args) {
    if (CommandLine.wantsHelp(args)) {
      return new Exit(printHelp(args), null);
    }
    RunningJob job;
    try {
      job = start(args);
    } catch (IllegalArgumentException e) {
      System.err.println("aggregator: " + Secrets.mask(e.getMessage()));
      return new Exit(EXIT_BAD_INPUT, null);
    } catch (IllegalStateException e) {
      System.err.println("aggregator: " + Secrets.mask(e.getMessage()));
      return new Exit(1, null);
    }
    return new Exit(job.awaitCompletion(), job);
  }

  /** A process exit status, and the job it ran if one was started. */
  private static final class Exit {
    final int status;
    final @Nullable RunningJob job;

    Exit(int status, @Nullable RunningJob job) {
      this.status = status;
      this.job = job;
    }
  }

  private static int printHelp(String[] args) {
    for (String a : args) {
      if (a.startsWith("--help=")) {
        // Beam's own help for one options interface, such as a runner's.
        try {
          Class<?> type = Class.forName(a.substring("--help=".length()));
          PipelineOptionsFactory.printHelp(System.out, type.asSubclass(PipelineOptions.class));
          return 0;
        } catch (ClassNotFoundException | ClassCastException e) {
          System.err.println("aggregator: --help=" + a.substring(7) + " is not an options interface");
          return EXIT_BAD_INPUT;
        }
      }
    }
    System.out.println(
        "Usage: scripts/aggregator --sqlFile=FILE [--option=value ...]\n"
            + "       (the PySpark module's flags work too: --sql-file FILE --json-fields-map a=$.a b=$.b ...)\n");
    PipelineOptionsFactory.register(AggregatorOptions.class);
    PipelineOptionsFactory.printHelp(System.out, AggregatorOptions.class);
    System.out.println(
        "Runner options: --runner=DirectRunner (default); --help=<OptionsInterface> lists a runner's"
            + " options, e.g. --help=org.apache.beam.sdk.options.PipelineOptions");
    return 0;
  }
}
