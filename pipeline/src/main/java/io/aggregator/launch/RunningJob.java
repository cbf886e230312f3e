package io.aggregator.launch;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.options.Secrets;
import io.aggregator.page.ResultsPage;
import io.aggregator.runners.JobControl;
import io.aggregator.runners.ShutdownHooks;
import io.aggregator.source.KafkaReachability;
import io.aggregator.source.PooledConsumers;
import io.aggregator.source.TopicGrowth;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started job, watched until it ends: {@link #awaitCompletion} prints progress to standard error
 * every few seconds (for a bounded replay: the share of the end offsets consumed, and events/s),
 * stops the job when Kafka has been unreachable for the retry budget, cancels it cleanly on
 * Ctrl-C, and prints the job's counters when it ends (docs/semantics.md, "Counters"). How each
 * runner is started, cancelled and asked for metrics is {@link JobControl}'s business.
 */
public final class RunningJob {

  private static final Logger LOG = LoggerFactory.getLogger(RunningJob.class);

  /** How often progress is printed. */
  public static final Duration PROGRESS_INTERVAL = Duration.standardSeconds(5);

  /** How long a cancel waits for the runner to stop the job. */
  private static final Duration CANCEL_WAIT = Duration.standardSeconds(30);

  // Replaced when the job is restarted to read partitions added to the topic.
  private volatile JobControl control;
  private long totalMessages;
  private long startNanos;
  private @Nullable KafkaReachability kafka;
  private @Nullable TopicGrowth growth;
  private @Nullable Supplier<RunningJob> relaunch;
  private final long retryBudgetMillis;
  private volatile @Nullable ResultsPage page;

  /**
   * @param startNanos {@link System#nanoTime} just before the job was started
   * @param totalMessages messages a bounded replay reads, or -1 when unbounded
   * @param kafka checked at every progress tick; the job is stopped when Kafka has not answered
   *     for {@code retryBudgetMillis} (null: not watched)
   * @param growth watched at every progress tick when the job's read cannot find new partitions
   *     itself (null: not watched)
   */
  RunningJob(
      JobControl control,
      long startNanos,
      long totalMessages,
      @Nullable KafkaReachability kafka,
      @Nullable TopicGrowth growth,
      long retryBudgetMillis) {
    this.control = control;
    this.growth = growth;
    this.startNanos = startNanos;
    this.totalMessages = totalMessages;
    this.kafka = kafka;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  /**
   * Runs {@code hook} when the JVM is asked to stop, before the runner's own shutdown hooks (see
   * {@link ShutdownHooks}: on Spark, after those the job could no longer be stopped).
   */
  public ShutdownHooks onShutdown(Thread hook) {
    return ShutdownHooks.add(control.runner(), hook);
  }

  /**
   * When the topic grows while the job runs and its read cannot find the new partitions (Flink,
   * Spark), the job is cancelled and {@code relaunch} starts it again, which then reads them
   * (docs/semantics.md, "Partitions"). Counters start again from zero with the new job.
   */
  public RunningJob restartingWhenTheTopicGrows(Supplier<RunningJob> relaunch) {
    this.relaunch = relaunch;
    return this;
  }

  /**
   * Shows this job's counters on {@code page} (null: none) until the job is awaited or cancelled;
   * a restart for new partitions keeps the page, which then shows the new job's counters.
   */
  public RunningJob showingOn(@Nullable ResultsPage page) {
    this.page = page;
    if (page != null) {
      page.watch(this::metrics);
    }
    return this;
  }

  /** The results page's address, or null when the job has none. */
  public @Nullable String resultsPageUrl() {
    ResultsPage p = page;
    return p == null ? null : p.url();
  }

  /** Cancels the job (if still running) and waits up to 30 s for it to stop. */
  public void cancel() {
    control.cancel(CANCEL_WAIT);
    release();
  }

  /** After the job: its Kafka clients and page closed, before whoever started it stops the servers. */
  private void release() {
    closeWatchers();
    PooledConsumers.closeIdle();
    ResultsPage p = page;
    page = null;
    if (p != null) {
      p.close();
    }
  }

  /** Whether a cancel could not stop the job (the launcher then halts the JVM, see {@link JobControl#leftRunning}). */
  public boolean leftRunning() {
    return control.leftRunning();
  }

  /** Whether the job has ended (completed, failed or cancelled). */
  public boolean ended() {
    return control.awaitEnd(Duration.ZERO);
  }

  /** The job's metrics now; the current job's after a restart. */
  public MetricResults metrics() {
    return control.metrics();
  }

  /** The sum over all steps of the counter {@code name} so far (see {@link JobControl#metrics}). */
  public long counter(String name) {
    return JobMetrics.counterSums(control.metrics()).getOrDefault(name, 0L);
  }

  /** For a nested file: the snapshot figures so far (count, size, time), or null. */
  public @Nullable String snapshotSummary() {
    return RunReport.snapshotLine(control.metrics());
  }

  /**
   * Waits until the job ends, printing progress; returns 0 when it completed (a bounded replay),
   * 1 when it failed or was cancelled.
   */
  public int awaitCompletion() {
    CountDownLatch reported = new CountDownLatch(1);
    ShutdownHooks hooks = onShutdown(new Thread(() -> cancelAtExit(reported), "cancel-job"));
    try {
      PipelineResult.State state = watchUntilEnd();
      return state == null ? 1 : report(state);
    } catch (RuntimeException e) {
      if (control.cancelRequested()) {
        System.err.println("aggregator: the job was cancelled");
        return 1;
      }
      String message = Secrets.mask(RunReport.rootMessage(e));
      LOG.error("The job failed: {}", message, Secrets.masked(e));
      System.err.println("aggregator: the job failed: " + message);
      return 1;
    } finally {
      reported.countDown();
      hooks.remove();
      release();
    }
  }

  private void closeWatchers() {
    KafkaReachability k = kafka;
    TopicGrowth g = growth;
    kafka = null;
    growth = null;
    if (k != null) {
      k.close();
    }
    if (g != null) {
      g.close();
    }
  }

  /**
   * Cancels the job and starts it again on the grown topic, watched from here on instead. Returns
   * false, having said why, when that failed: the old job could not be stopped (it goes on with
   * the partitions it has, and the topic is no longer watched), or the new one could not start.
   */
  private boolean restartForNewPartitions(Supplier<RunningJob> start, TopicGrowth grown) {
    String what = grown.describe();
    LOG.warn("The {}: restarting the job to read the new partitions (docs/semantics.md,"
        + " \"Partitions\")", what);
    System.err.println("aggregator: the " + what + "; restarting the job to read them");
    control.cancel(CANCEL_WAIT); // not cancel(): the watchers and the page go on with the new job
    if (leftRunning()) {
      LOG.error("The job could not be stopped to read the new partitions; it goes on without them");
      relaunch = null;
      return true;
    }
    RunningJob next;
    try {
      next = start.get();
    } catch (RuntimeException e) {
      String message = Secrets.mask(RunReport.rootMessage(e));
      LOG.error("The job could not be restarted to read the new partitions: {}", message, Secrets.masked(e));
      System.err.println("aggregator: the job could not be restarted: " + message);
      return false;
    }
    closeWatchers();
    control = next.control;
    kafka = next.kafka;
    growth = next.growth;
    totalMessages = next.totalMessages;
    startNanos = next.startNanos;
    return true;
  }

  /** Ctrl-C: stop the job, and let its counters be printed before the JVM exits. */
  private void cancelAtExit(CountDownLatch reported) {
    if (control.awaitEnd(Duration.ZERO)) {
      return;
    }
    System.err.println("aggregator: stopping the job");
    cancel();
    try {
      reported.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Prints progress until the job ends; its end state, or null when Kafka's loss or a failed
   * restart stopped it.
   */
  private PipelineResult.@Nullable State watchUntilEnd() {
    long lastRead = 0;
    long lastTime = System.nanoTime();
    while (!control.awaitEnd(PROGRESS_INTERVAL)) {
      KafkaReachability k = kafka; // null once the job is released (Ctrl-C)
      if (k != null) {
        long unreachable = k.check(System.currentTimeMillis());
        if (unreachable >= retryBudgetMillis) {
          String message = k.givingUp(unreachable);
          LOG.error(message);
          System.err.println("aggregator: " + message);
          cancel();
          return null;
        }
      }
      Supplier<RunningJob> start = relaunch;
      TopicGrowth grown = growth;
      if (start != null && grown != null && grown.grew(System.currentTimeMillis())) {
        if (!restartForNewPartitions(start, grown)) {
          return null;
        }
        lastRead = 0;
        lastTime = System.nanoTime();
        continue;
      }
      Map<String, Long> now = JobMetrics.counterSums(control.metrics()); // one query per tick
      long read = JobMetrics.messagesRead(now);
      long nanos = System.nanoTime();
      double rate = (read - lastRead) / ((nanos - lastTime) / 1e9);
      lastRead = read;
      lastTime = nanos;
      System.err.println(RunReport.progressLine(
          read, totalMessages, rate, now.getOrDefault(JobMetrics.DOCUMENTS_WRITTEN, 0L)));
    }
    return control.endState();
  }

  /** Prints the end of a run; 0 when the job completed. */
  private int report(PipelineResult.State state) {
    double seconds = secondsSinceStart();
    MetricResults metrics = control.metrics();
    Map<String, Long> counters = JobMetrics.counterSums(metrics);
    System.err.println(RunReport.endLine(state, seconds, counters));
    String snapshots = RunReport.snapshotLine(metrics);
    if (snapshots != null) {
      System.err.println(snapshots);
    }
    LOG.info("Counters: {}", counters);
    return state == PipelineResult.State.DONE ? 0 : 1;
  }

  private double secondsSinceStart() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
