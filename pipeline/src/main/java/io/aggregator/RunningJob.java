package io.aggregator;

import io.aggregator.options.Secrets;
import io.aggregator.runners.DetachedFlinkJob;
import io.aggregator.runners.ShutdownHooks;
import io.aggregator.sink.Sinks;
import io.aggregator.sql.nested.ApplyNestedQuery;
import io.aggregator.source.KafkaReachability;
import io.aggregator.source.ReadKafkaEvents;
import io.aggregator.source.RejectReason;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResults;
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
  /**
   * Whether the runner reports counters while the job runs. Beam's FlinkRunner sends them to the
   * client only when the job ends (apache/beam#10415); while it runs they are Flink metrics.
   */
  private final boolean liveCounters;
  /** The Flink job behind a detached FlinkRunner result, or null on other runners. */
  private final @Nullable DetachedFlinkJob flinkJob;
  private volatile boolean cancelRequested;
  /** Whether a job of this JVM could not be stopped and was left running (see {@link #cancel}). */
  private static volatile boolean jobLeftRunning;
  /** The runner's simple class name. */
  private final String runner;

  private RunningJob(
      PipelineResult result,
      long totalMessages,
      long startNanos,
      @Nullable KafkaReachability kafka,
      long retryBudgetMillis,
      String runner) {
    this.runner = runner;
    this.liveCounters = !runner.equals("FlinkRunner");
    this.flinkJob = DetachedFlinkJob.of(result);
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
    return new RunningJob(pipeline.run(), totalMessages, start, kafka, retryBudgetMillis,
        options.getRunner().getSimpleName());
  }

  /**
   * Runs {@code hook} when the JVM is asked to stop, before the runner's own shutdown hooks (see
   * {@link ShutdownHooks}: on Spark, after those the job could no longer be stopped).
   */
  public ShutdownHooks onShutdown(Thread hook) {
    return ShutdownHooks.add(runner, hook);
  }

  /** Cancels the job (if still running) and waits up to 30 s for it to stop. */
  public void cancel() {
    cancelRequested = true;
    Duration wait = Duration.standardSeconds(30);
    if (flinkJob != null) {
      flinkJob.cancel(wait);
      return;
    }
    if (result.getState().isTerminal()) {
      return;
    }
    // On its own thread, given up after the wait: the Spark runner's cancel blocks for as long as
    // a micro-batch waits for a broker that has gone (it holds the lock the stop needs). The
    // launcher then exits without it.
    Thread canceller =
        new Thread(
            () -> {
              try {
                result.cancel();
                // cancel() is asynchronous on some runners: wait, so that the job's consumers are
                // gone before the caller shuts anything down.
                result.waitUntilFinish(wait);
              } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("cancel failed: {}", e.toString());
              }
            },
            "cancel-job-now");
    canceller.setDaemon(true);
    canceller.start();
    try {
      canceller.join(wait.getMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (canceller.isAlive()) {
      jobLeftRunning = true;
      LOG.warn("the runner did not stop the job within {} s; leaving it", wait.getStandardSeconds());
    }
  }

  /**
   * Whether a job of this JVM could not be stopped. The JVM's shutdown hooks would then wait for
   * it too (Spark's stop the stream, with 30 s timeouts each), so the launcher halts instead.
   */
  public static boolean jobLeftRunning() {
    return jobLeftRunning;
  }

  /** Whether the job has ended (completed, failed or cancelled). */
  public boolean ended() {
    return awaitEnd(Duration.ZERO);
  }

  /** Whether {@link #counter} shows values while the job runs (not on Flink: only at its end). */
  public boolean hasLiveCounters() {
    return liveCounters;
  }

  /** The sum over all steps of the counter {@code name}, as attempted so far. */
  public long counter(String name) {
    return counters(metrics()).getOrDefault(name, 0L);
  }

  /**
   * The job's metrics: live where the runner reports them while the job runs, else (Flink) those
   * of the ended job, empty until then.
   */
  private MetricResults metrics() {
    if (flinkJob == null) {
      return result.metrics();
    }
    try {
      if (flinkJob.awaitEnd(Duration.ZERO)) {
        return flinkJob.finalMetrics();
      }
    } catch (RuntimeException e) {
      // failed or cancelled: Flink keeps no counters of a job that did not complete
    }
    return MetricsContainerStepMap.asAttemptedOnlyMetricResults(new MetricsContainerStepMap());
  }

  /** Waits up to {@code timeout}; true when the job has ended. */
  private boolean awaitEnd(Duration timeout) {
    if (flinkJob != null) {
      return flinkJob.awaitEnd(timeout);
    }
    if (timeout.getMillis() <= 0) {
      return result.getState().isTerminal(); // waitUntilFinish(0) would wait for ever
    }
    PipelineResult.State state = result.waitUntilFinish(timeout);
    return state != null && state.isTerminal();
  }

  /** How the job ended; throws, with the cause, when it failed. */
  private PipelineResult.State endState() {
    if (flinkJob != null) {
      try {
        flinkJob.finalMetrics();
        return PipelineResult.State.DONE;
      } catch (RuntimeException e) {
        if (cancelRequested) {
          return PipelineResult.State.CANCELLED;
        }
        throw e;
      }
    }
    return result.getState();
  }

  /** For a nested file: the snapshot figures so far (count, size, time), or null. */
  public String snapshotSummary() {
    return snapshotLine(metrics());
  }

  /**
   * Waits until the job ends, printing progress; returns 0 when it completed (a bounded replay),
   * 1 when it failed or was cancelled.
   */
  public int awaitCompletion() {
    CountDownLatch reported = new CountDownLatch(1);
    Thread cancelOnExit =
        new Thread(
            () -> {
              if (!awaitEnd(Duration.ZERO)) {
                System.err.println("aggregator: stopping the job");
                cancel();
                // The JVM exits when this hook returns: let the counters of the stopped job be
                // printed first.
                try {
                  reported.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "cancel-job");
    ShutdownHooks hooks = onShutdown(cancelOnExit);
    PipelineResult.State state;
    long lastRead = 0;
    long lastTime = System.nanoTime();
    try {
      while (!awaitEnd(PROGRESS_INTERVAL)) {
        if (kafka != null) {
          long unreachable = kafka.check(System.currentTimeMillis());
          if (unreachable >= retryBudgetMillis) {
            String message = kafka.givingUp(unreachable);
            LOG.error(message);
            System.err.println("aggregator: " + message);
            cancel();
            reported.countDown();
            return 1;
          }
        }
        if (!liveCounters) {
          System.err.printf(Locale.ROOT,
              "progress: running for %.0f s (the FlinkRunner reports counters when the job ends;"
                  + " live values are in Flink's metrics)%n",
              (System.nanoTime() - startNanos) / 1e9);
          continue;
        }
        Map<String, Long> now = counters(metrics()); // one metrics query per tick
        long read = messagesRead(now);
        long nanos = System.nanoTime();
        double rate = (read - lastRead) / ((nanos - lastTime) / 1e9);
        lastRead = read;
        lastTime = nanos;
        System.err.println(
            progressLine(read, totalMessages, rate, now.getOrDefault(Sinks.DOCUMENTS_WRITTEN, 0L)));
      }
      state = endState();
    } catch (RuntimeException e) {
      if (cancelRequested) {
        System.err.println("aggregator: the job was cancelled");
        reported.countDown();
        return 1;
      }
      LOG.error("The job failed: {}", Secrets.mask(rootMessage(e)), e);
      System.err.println("aggregator: the job failed: " + Secrets.mask(rootMessage(e)));
      reported.countDown();
      return 1;
    } finally {
      hooks.remove();
      if (kafka != null) {
        kafka.close();
      }
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    if (!liveCounters && state != PipelineResult.State.DONE) {
      System.err.printf(Locale.ROOT,
          "aggregator: %s after %.1f s (the FlinkRunner reports no counters for a job that did not"
              + " complete; see Flink's metrics)%n", state, seconds);
      reported.countDown();
      return 1;
    }
    MetricResults metrics = metrics();
    Map<String, Long> counters = counters(metrics);
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
        mongoFigures(counters));
    String snapshots = snapshotLine(metrics);
    if (snapshots != null) {
      System.err.println(snapshots);
    }
    LOG.info("Counters: {}", counters);
    reported.countDown();
    return state == PipelineResult.State.DONE ? 0 : 1;
  }

  /** Messages read: events dropped as late at the read never reach the step that counts reads. */
  static long messagesRead(Map<String, Long> counters) {
    return counters.getOrDefault(ReadKafkaEvents.EVENTS_READ, 0L)
        + counters.getOrDefault(ReadKafkaEvents.EVENTS_DROPPED_LATE, 0L);
  }

  /** {@code ", MongoDB writes took 1.2 s, 3 retried"}: time in bulk writes (all workers), retries. */
  static String mongoFigures(Map<String, Long> counters) {
    long millis = counters.getOrDefault(Sinks.MONGO_WRITE_MILLIS, 0L);
    long retries = counters.getOrDefault(Sinks.MONGO_WRITE_RETRIES, 0L);
    if (millis == 0 && retries == 0) {
      return "";
    }
    return String.format(Locale.ROOT, ", MongoDB writes took %.1f s%s", millis / 1000.0,
        retries > 0 ? ", " + retries + " retried" : "");
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
  static String snapshotLine(MetricResults metrics) {
    DistributionResult rows = null;
    DistributionResult millis = null;
    try {
      MetricQueryResults q = metrics.queryMetrics(MetricsFilter.builder().build());
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

  /** Every counter of the job by name, summed over steps (attempted values). */
  static Map<String, Long> counters(MetricResults metrics) {
    Map<String, Long> sums = new TreeMap<>();
    try {
      MetricQueryResults q = metrics.queryMetrics(MetricsFilter.builder().build());
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
   * {@code run()} blocks until the job ends, which may be never, on the DirectRunner and on Flink
   * in attached mode: ask them to return at once, so that progress can be reported, Kafka watched
   * and Ctrl-C can cancel. A detached Flink job's outcome is read through {@link DetachedFlinkJob}.
   * Set by reflection so that each runner's jar needs no other runner's classes.
   */
  private static void dontBlockOnRun(PipelineOptions options) {
    String runner = options.getRunner().getSimpleName();
    if (runner.equals("DirectRunner")) {
      setBoolean(options, "org.apache.beam.runners.direct.DirectOptions", "setBlockOnRun", false);
    } else if (runner.equals("FlinkRunner")) {
      setBoolean(options, "org.apache.beam.runners.flink.FlinkPipelineOptions", "setAttachedMode", false);
    }
  }

  private static void setBoolean(PipelineOptions options, String type, String setter, boolean value) {
    try {
      Class<? extends PipelineOptions> cls = Class.forName(type).asSubclass(PipelineOptions.class);
      cls.getMethod(setter, boolean.class).invoke(options.as(cls), value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(type + " not found on the classpath", e);
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
