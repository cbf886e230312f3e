package io.aggregator.runners;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * A job that Beam's FlinkRunner submitted in detached mode, seen through Flink's {@code JobClient}.
 *
 * <p>Why: the launcher submits Flink jobs detached so that it can report progress, watch Kafka and
 * cancel on Ctrl-C while they run (attached, {@code run()} returns only at the end). But Beam's
 * detached result reads state and metrics from the cluster, and the embedded cluster of a detached
 * job shuts down as soon as the job ends, taking both with it; and it reports a failure as a bare
 * FAILED state. Flink's job client keeps the job's result, with its final accumulators (Beam's
 * metrics) or its failure and cause. Reached by reflection, so that the other runners' jars need
 * no Flink classes.
 */
final class DetachedFlinkJob implements JobControl {

  /** The accumulator under which Beam's FlinkRunner keeps the job's metrics. */
  static final String METRICS_ACCUMULATOR = "__metricscontainers";

  private final Object jobClient;
  private final CompletableFuture<?> jobResult;
  private volatile boolean cancelRequested;

  private DetachedFlinkJob(Object jobClient, CompletableFuture<?> jobResult) {
    this.jobClient = jobClient;
    this.jobResult = jobResult;
  }

  /** The Flink job behind {@code result}, or null when it is not a detached Flink job. */
  static @Nullable DetachedFlinkJob of(PipelineResult result) {
    if (!result.getClass().getName().equals("org.apache.beam.runners.flink.FlinkDetachedRunnerResult")) {
      return null;
    }
    try {
      Field field = result.getClass().getDeclaredField("jobClient");
      field.setAccessible(true);
      Object client = field.get(result);
      Object future = client.getClass().getMethod("getJobExecutionResult").invoke(client);
      return new DetachedFlinkJob(client, (CompletableFuture<?>) future);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot reach the Flink job behind " + result, e);
    }
  }

  @Override
  public boolean awaitEnd(Duration timeout) {
    try {
      jobResult.get(timeout.getMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /**
   * The job's final metrics once it has ended.
   *
   * @throws RuntimeException with the job's failure as its cause when it failed or was cancelled
   */
  MetricResults finalMetrics() {
    Object executionResult;
    try {
      executionResult = jobResult.get();
    } catch (ExecutionException e) {
      throw new RuntimeException("the Flink job did not complete", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeException("interrupted", e);
    }
    try {
      Map<?, ?> accumulators =
          (Map<?, ?>) executionResult.getClass().getMethod("getAllAccumulatorResults").invoke(executionResult);
      Object metrics = accumulators.get(METRICS_ACCUMULATOR);
      return MetricsContainerStepMap.asAttemptedOnlyMetricResults(
          metrics instanceof MetricsContainerStepMap
              ? (MetricsContainerStepMap) metrics
              : new MetricsContainerStepMap());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read the Flink job's accumulators", e);
    }
  }

  /** Asks Flink to cancel the job and waits up to {@code timeout} for it to end. */
  @Override
  public void cancel(Duration timeout) {
    cancelRequested = true;
    try {
      Object future = jobClient.getClass().getMethod("cancel").invoke(jobClient);
      ((CompletableFuture<?>) future).get(timeout.getMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | ReflectiveOperationException e) {
      // already ended, or the cluster is gone with it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    awaitEnd(timeout);
  }

  /** The final metrics once the job has completed; empty while it runs or when it did not complete. */
  @Override
  public MetricResults metrics() {
    try {
      if (awaitEnd(Duration.ZERO)) {
        return finalMetrics();
      }
    } catch (RuntimeException e) {
      // failed or cancelled: Flink keeps no counters of a job that did not complete
    }
    return MetricsContainerStepMap.asAttemptedOnlyMetricResults(new MetricsContainerStepMap());
  }

  @Override
  public PipelineResult.State endState() {
    try {
      finalMetrics();
      return PipelineResult.State.DONE;
    } catch (RuntimeException e) {
      if (cancelRequested) {
        return PipelineResult.State.CANCELLED;
      }
      throw e;
    }
  }

  @Override
  public boolean hasLiveCounters() {
    return false;
  }

  @Override
  public boolean leftRunning() {
    return false; // Flink's cancel is asynchronous and never holds the launcher
  }

  @Override
  public boolean cancelRequested() {
    return cancelRequested;
  }

  @Override
  public Runner runner() {
    return Runner.FLINK;
  }
}
