package io.aggregator;

import io.aggregator.sink.Sinks;
import io.aggregator.source.ReadKafkaEvents;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a built pipeline on whichever runner the options name, reports progress to standard error
 * every few seconds (for a bounded replay: the share of the end offsets consumed and events/s),
 * cancels it cleanly on Ctrl-C, and logs the job's counters when it ends (SPEC §8).
 */
public final class JobRunner {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  /** How often progress is printed. */
  public static final Duration PROGRESS_INTERVAL = Duration.standardSeconds(5);

  /** Beam's own counter of events dropped for arriving after their window closed. */
  public static final String DROPPED_LATE = "droppedDueToLateness";

  private JobRunner() {}

  /**
   * Runs {@code pipeline}; returns 0 when it completes (a bounded replay), 1 when it fails.
   *
   * @param totalMessages messages a bounded replay reads, or -1 when unbounded
   */
  public static int run(Pipeline pipeline, PipelineOptions options, long totalMessages) {
    dontBlockOnRun(options);
    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    Thread cancelOnExit =
        new Thread(
            () -> {
              try {
                if (!result.getState().isTerminal()) {
                  System.err.println("aggregator: stopping the job");
                  result.cancel();
                }
              } catch (Exception e) {
                // the JVM is going down; nothing more to do
              }
            },
            "cancel-job");
    Runtime.getRuntime().addShutdownHook(cancelOnExit);
    PipelineResult.State state;
    long lastRead = 0;
    long lastTime = System.nanoTime();
    try {
      while (true) {
        state = result.waitUntilFinish(PROGRESS_INTERVAL);
        if (state != null && state.isTerminal()) {
          break;
        }
        long read = counter(result, ReadKafkaEvents.EVENTS_READ);
        long now = System.nanoTime();
        double rate = (read - lastRead) / ((now - lastTime) / 1e9);
        lastRead = read;
        lastTime = now;
        System.err.println(progressLine(read, totalMessages, rate, counter(result, Sinks.DOCUMENTS_WRITTEN)));
      }
    } catch (RuntimeException e) {
      LOG.error("The job failed: {}", rootMessage(e), e);
      System.err.println("aggregator: the job failed: " + rootMessage(e));
      return 1;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(cancelOnExit);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> counters = counters(result);
    long read = counters.getOrDefault(ReadKafkaEvents.EVENTS_READ, 0L);
    System.err.printf(
        Locale.ROOT,
        "aggregator: %s after %.1f s: %d messages read (%.0f/s), %d rejected, %d dropped as late,"
            + " %d documents written, %d rejects written%n",
        state,
        seconds,
        read,
        read / Math.max(seconds, 1e-3),
        counters.getOrDefault(ReadKafkaEvents.EVENTS_REJECTED, 0L),
        counters.getOrDefault(DROPPED_LATE, 0L),
        counters.getOrDefault(Sinks.DOCUMENTS_WRITTEN, 0L),
        counters.getOrDefault(Sinks.REJECTS_WRITTEN, 0L));
    LOG.info("Counters: {}", counters);
    return state == PipelineResult.State.DONE ? 0 : 1;
  }

  static String progressLine(long read, long total, double rate, long written) {
    if (total > 0) {
      return String.format(
          Locale.ROOT,
          "progress: %5.1f%% (%d of %d messages), %.0f events/s, %d documents written",
          100.0 * read / total,
          read,
          total,
          rate,
          written);
    }
    return String.format(
        Locale.ROOT, "progress: %d messages read, %.0f events/s, %d documents written", read, rate, written);
  }

  /** The sum over all steps of the counter {@code name}, as attempted so far. */
  public static long counter(PipelineResult result, String name) {
    return counters(result).getOrDefault(name, 0L);
  }

  /** Every counter of the job by name, summed over steps (attempted values). */
  public static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> sums = new TreeMap<>();
    try {
      MetricQueryResults q = result.metrics().queryMetrics(MetricsFilter.builder().build());
      for (MetricResult<Long> c : q.getCounters()) {
        Long v = c.getAttempted();
        if (v != null) {
          sums.merge(c.getName().getName(), v, Long::sum);
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("metrics not available: {}", e.toString());
    }
    return sums;
  }

  /**
   * The DirectRunner's {@code run()} blocks until an unbounded pipeline ends, which may be never:
   * ask it to return at once so that progress can be reported and Ctrl-C can cancel. Set by
   * reflection so that the jars of the other runners need no DirectRunner classes.
   */
  private static void dontBlockOnRun(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().equals("DirectRunner")) {
      return;
    }
    try {
      Class<? extends PipelineOptions> direct =
          Class.forName("org.apache.beam.runners.direct.DirectOptions").asSubclass(PipelineOptions.class);
      Object directOptions = options.as(direct);
      Method set = direct.getMethod("setBlockOnRun", boolean.class);
      set.invoke(directOptions, false);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("DirectRunner options not found on the classpath", e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
