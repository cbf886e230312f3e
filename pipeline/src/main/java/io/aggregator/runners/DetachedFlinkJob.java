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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job that Beam's FlinkRunner submitted in detached mode, seen through Flink's {@code JobClient}.
 *
 * <p>Why: the launcher submits Flink jobs detached so that it can report progress, watch Kafka and
 * cancel on Ctrl-C while they run (attached, {@code run()} returns only at the end). But Beam's
 * detached result reads state and metrics from the cluster, and the embedded cluster of a detached
 * job shuts down as soon as the job ends, taking both with it; and it reports a failure as a bare
 * FAILED state. Flink's job client keeps the job's result, with its final accumulators (Beam's
 * metrics) or its failure and cause, and answers for the accumulators of a running job: the patched
 * {@code FlinkMetricContainer} keeps Beam's metrics in them while the job runs (as of the
 * TaskManagers' last heartbeat, {@code heartbeat.interval}, 10 s by default), and the patched
 * {@code DoFnOperator} checkpoints them (docs/semantics.md, "Counters"). Reached by reflection, so
 * that the other runners' jars need no Flink classes.
 */
final class DetachedFlinkJob implements JobControl {

  /** The accumulator under which Beam's FlinkRunner keeps the job's metrics. */
  static final String METRICS_ACCUMULATOR = "__metricscontainers";
  private static final String JOB_CLIENT = "org.apache.flink.core.execution.JobClient";
  private static final String ACCUMULATOR_HELPER = "org.apache.flink.api.common.accumulators.AccumulatorHelper";
  private static final long ACCUMULATORS_TIMEOUT_SECONDS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(DetachedFlinkJob.class);

  private final Object jobClient;
  private final CompletableFuture<?> jobResult;
  private volatile boolean cancelRequested;
  // The latest metrics read; what a cluster that has gone with its job last reported.
  private volatile MetricsContainerStepMap lastMetrics = new MetricsContainerStepMap();

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

  /** Waits for the job's end; throws, with the job's failure as its cause, when it did not complete. */
  private void awaitCompletion() {
    try {
      jobResult.get();
    } catch (ExecutionException e) {
      throw new RuntimeException("the Flink job did not complete", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeException("interrupted", e);
    }
  }

  /** The final accumulators of a job that completed; throws when it failed or was cancelled. */
  private Map<?, ?> completedAccumulators()
      throws ExecutionException, InterruptedException, ReflectiveOperationException {
    Object executionResult = jobResult.get();
    return (Map<?, ?>) executionResult.getClass().getMethod("getAllAccumulatorResults").invoke(executionResult);
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

  /**
   * The job's metrics: as of the latest heartbeat while it runs, the final ones once it has ended
   * (completed, cancelled or failed), else the latest read.
   */
  @Override
  public MetricResults metrics() {
    try {
      Map<?, ?> accumulators = awaitEnd(Duration.ZERO) ? endedAccumulators() : clusterAccumulators();
      Object metrics = accumulators.get(METRICS_ACCUMULATOR);
      if (metrics instanceof MetricsContainerStepMap) {
        lastMetrics = (MetricsContainerStepMap) metrics;
      }
    } catch (ReflectiveOperationException | RuntimeException | ExecutionException | TimeoutException e) {
      LOG.debug("The Flink job's accumulators could not be read; its latest ones stand", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return MetricsContainerStepMap.asAttemptedOnlyMetricResults(lastMetrics);
  }

  /** The cluster's accumulators of the job: as of the last heartbeat; a remote cluster's at the end. */
  private Map<?, ?> clusterAccumulators() throws ReflectiveOperationException, ExecutionException,
      TimeoutException, InterruptedException {
    Object future = Class.forName(JOB_CLIENT).getMethod("getAccumulators").invoke(jobClient);
    return (Map<?, ?>) ((CompletableFuture<?>) future).get(ACCUMULATORS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * The accumulators the job ended with: a completed job's result has them. An embedded cluster's
   * client keeps them in the job's result even when the job was cancelled or failed (its {@code
   * getAccumulators} then fails); a remote cluster keeps an ended job's. (Without the completed
   * job's result first, a replay on a session cluster ended on its last live values: 94,777 of
   * 100,240 messages in ClustersIT.)
   */
  private Map<?, ?> endedAccumulators() throws ReflectiveOperationException, ExecutionException,
      TimeoutException, InterruptedException {
    try {
      return completedAccumulators();
    } catch (ExecutionException cancelledOrFailed) {
      // read below
    }
    Field resultField;
    try {
      resultField = jobClient.getClass().getDeclaredField("jobResultFuture"); // MiniClusterJobClient
    } catch (NoSuchFieldException remote) {
      return clusterAccumulators();
    }
    resultField.setAccessible(true);
    Object jobResult = ((CompletableFuture<?>) resultField.get(jobClient)).get();
    Object serialized = jobResult.getClass().getMethod("getAccumulatorResults").invoke(jobResult);
    return (Map<?, ?>) Class.forName(ACCUMULATOR_HELPER)
        .getMethod("deserializeAndUnwrapAccumulators", Map.class, ClassLoader.class)
        .invoke(null, serialized, MetricsContainerStepMap.class.getClassLoader());
  }

  @Override
  public PipelineResult.State endState() {
    try {
      awaitCompletion();
      return PipelineResult.State.DONE;
    } catch (RuntimeException e) {
      if (cancelRequested) {
        return PipelineResult.State.CANCELLED;
      }
      throw e;
    }
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
