package io.aggregator;

import io.aggregator.options.Secrets;
import io.aggregator.sink.Sinks;
import io.aggregator.sql.nested.ApplyNestedQuery;
import io.aggregator.source.KafkaReachability;
import io.aggregator.source.ReadKafkaEvents;
import io.aggregator.source.RejectReason;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started job on whichever runner the options name. {@link #awaitCompletion} reports progress
 * to standard error every few seconds (for a bounded replay: the share of the end offsets consumed
 * and events/s), cancels the job cleanly on Ctrl-C, and logs the job's counters when it ends
 * (SPEC §8).
 */
public final class RunningJob {

  private static final Logger LOG = LoggerFactory.getLogger(RunningJob.class);

  /** How often progress is printed. */
  public static final Duration PROGRESS_INTERVAL = Duration.standardSeconds(5);

  /**
   * Beam's own counter of elements dropped for arriving after their window closed ("Dropped…" on
   * the DirectRunner, "dropped…" elsewhere; summed under this name). Where the aggregation combines
   * before grouping, it counts partial aggregates rather than single events.
   */
  public static final String DROPPED_LATE = "droppedDueToLateness";

  private final PipelineResult result;
  private final long totalMessages;
  private final long startNanos;
  private final @Nullable KafkaReachability kafka;
  private final long retryBudgetMillis;

  private RunningJob(
      PipelineResult result,
      long totalMessages,
      long startNanos,
      @Nullable KafkaReachability kafka,
      long retryBudgetMillis) {
    this.result = result;
    this.totalMessages = totalMessages;
    this.startNanos = startNanos;
    this.kafka = kafka;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  /**
   * Starts {@code pipeline} without blocking.
   *
   * @param totalMessages messages a bounded replay reads, or -1 when unbounded
   * @param kafka checked at every progress tick; the job is stopped when Kafka has not answered
   *     for {@code retryBudgetMillis} (null: not watched)
   */
  public static RunningJob start(
      Pipeline pipeline,
      PipelineOptions options,
      long totalMessages,
      @Nullable KafkaReachability kafka,
      long retryBudgetMillis) {
    dontBlockOnRun(options);
    long start = System.nanoTime();
    return new RunningJob(pipeline.run(), totalMessages, start, kafka, retryBudgetMillis);
  }

  /** Cancels the job (if still running) and waits up to 30 s for it to stop. */
  public void cancel() {
    try {
      if (!result.getState().isTerminal()) {
        result.cancel();
        // cancel() is asynchronous on some runners: wait, so that the job's consumers are gone
        // before the caller shuts anything down.
        result.waitUntilFinish(Duration.standardSeconds(30));
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("cancel failed: {}", e.toString());
    }
  }

  /** The job's state now. */
  public PipelineResult.State state() {
    return result.getState();
  }

  /** The sum over all steps of the counter {@code name}, as attempted so far. */
  public long counter(String name) {
    return counter(result, name);
  }

  /** For a nested file: the snapshot figures so far (count, size, time), or null. */
  public String snapshotSummary() {
    return snapshotLine(result);
  }

  /**
   * Waits until the job ends, printing progress; returns 0 when it completed (a bounded replay),
   * 1 when it failed or was cancelled.
   */
  public int awaitCompletion() {
    Thread cancelOnExit =
        new Thread(
            () -> {
              if (!result.getState().isTerminal()) {
                System.err.println("aggregator: stopping the job");
                cancel();
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
        if (kafka != null) {
          long unreachable = kafka.check(System.currentTimeMillis());
          if (unreachable >= retryBudgetMillis) {
            String message = kafka.givingUp(unreachable);
            LOG.error(message);
            System.err.println("aggregator: " + message);
            cancel();
            return 1;
          }
        }
        Map<String, Long> now = counters(result); // one metrics query per tick
        long read = messagesRead(now);
        long nanos = System.nanoTime();
        double rate = (read - lastRead) / ((nanos - lastTime) / 1e9);
        lastRead = read;
        lastTime = nanos;
        System.err.println(
            progressLine(read, totalMessages, rate, now.getOrDefault(Sinks.DOCUMENTS_WRITTEN, 0L)));
      }
    } catch (RuntimeException e) {
      LOG.error("The job failed: {}", Secrets.mask(rootMessage(e)), e);
      System.err.println("aggregator: the job failed: " + Secrets.mask(rootMessage(e)));
      return 1;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(cancelOnExit);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      if (kafka != null) {
        kafka.close();
      }
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    Map<String, Long> counters = counters(result);
    long read = messagesRead(counters);
    System.err.printf(
        Locale.ROOT,
        "aggregator: %s after %.1f s: %d messages read (%.0f/s), %d rejected%s, %d dropped as late,"
            + " %d documents written, %d rejects written%s%n",
        state,
        seconds,
        read,
        read / Math.max(seconds, 1e-3),
        counters.getOrDefault(ReadKafkaEvents.EVENTS_REJECTED, 0L),
        rejectsByReason(counters),
        counters.getOrDefault(ReadKafkaEvents.EVENTS_DROPPED_LATE, 0L)
            + counters.getOrDefault(DROPPED_LATE, 0L),
        counters.getOrDefault(Sinks.DOCUMENTS_WRITTEN, 0L),
        counters.getOrDefault(Sinks.REJECTS_WRITTEN, 0L),
        counters.getOrDefault(Sinks.MONGO_WRITE_RETRIES, 0L) > 0
            ? ", " + counters.get(Sinks.MONGO_WRITE_RETRIES) + " MongoDB writes retried"
            : "");
    String snapshots = snapshotLine(result);
    if (snapshots != null) {
      System.err.println(snapshots);
    }
    LOG.info("Counters: {}", counters);
    return state == PipelineResult.State.DONE ? 0 : 1;
  }

  /** Messages read: events dropped as late at the read never reach the step that counts reads. */
  static long messagesRead(Map<String, Long> counters) {
    return counters.getOrDefault(ReadKafkaEvents.EVENTS_READ, 0L)
        + counters.getOrDefault(ReadKafkaEvents.EVENTS_DROPPED_LATE, 0L);
  }

  /** {@code " (MALFORMED_JSON 3, BAD_TIMESTAMP 1)"}, or empty when nothing was rejected. */
  static String rejectsByReason(Map<String, Long> counters) {
    StringBuilder sb = new StringBuilder();
    for (RejectReason reason : RejectReason.values()) {
      long n = counters.getOrDefault(ReadKafkaEvents.rejectedCounter(reason), 0L);
      if (n > 0) {
        sb.append(sb.length() == 0 ? " (" : ", ").append(reason.name()).append(' ').append(n);
      }
    }
    return sb.length() == 0 ? "" : sb.append(')').toString();
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

  /** For a file with a for_each_batch query: how many snapshots, how large, how long. */
  static String snapshotLine(PipelineResult result) {
    DistributionResult rows = null;
    DistributionResult millis = null;
    try {
      MetricQueryResults q = result.metrics().queryMetrics(MetricsFilter.builder().build());
      for (MetricResult<DistributionResult> d : q.getDistributions()) {
        String name = d.getName().getName();
        if (name.equals(ApplyNestedQuery.SNAPSHOT_ROWS)) {
          rows = d.getAttempted();
        } else if (name.equals(ApplyNestedQuery.SNAPSHOT_MILLIS)) {
          millis = d.getAttempted();
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("metrics not available: {}", e.toString());
    }
    if (rows == null || millis == null || rows.getCount() == 0) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "aggregator: %d snapshots of AGGREGATED evaluated, up to %d rows each; second query %.0f ms"
            + " on average, %d ms at most",
        rows.getCount(),
        rows.getMax(),
        millis.getMean(),
        millis.getMax());
  }

  /** The sum over all steps of the counter {@code name}, as attempted so far. */
  static long counter(PipelineResult result, String name) {
    return counters(result).getOrDefault(name, 0L);
  }

  /** Every counter of the job by name, summed over steps (attempted values). */
  static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> sums = new TreeMap<>();
    try {
      MetricQueryResults q = result.metrics().queryMetrics(MetricsFilter.builder().build());
      for (MetricResult<Long> c : q.getCounters()) {
        Long v = c.getAttempted();
        if (v != null) {
          String name = c.getName().getName();
          sums.merge(name.equalsIgnoreCase(DROPPED_LATE) ? DROPPED_LATE : name, v, Long::sum);
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

  /**
   * The message to show for a failed job: the first error raised by Aggregator's own code (it names
   * the server or option at fault and includes its cause), else the root cause.
   */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (true) {
      StackTraceElement[] trace = t.getStackTrace();
      if (trace.length > 0 && trace[0].getClassName().startsWith("io.aggregator.")) {
        return t.getMessage();
      }
      if (t.getCause() == null || t.getCause() == t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      t = t.getCause();
    }
  }
}
