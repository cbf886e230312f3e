package io.aggregator.runners;

import java.io.IOException;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A job on the DirectRunner or the SparkRunner, through Beam's own {@link PipelineResult}. */
final class PipelineResultControl implements JobControl {

  private static final Logger LOG = LoggerFactory.getLogger(PipelineResultControl.class);

  private final PipelineResult result;
  private final Runner runner;
  private volatile boolean cancelRequested;
  private volatile boolean leftRunning;

  PipelineResultControl(PipelineResult result, Runner runner) {
    this.result = result;
    this.runner = runner;
  }

  @Override
  public boolean awaitEnd(Duration timeout) {
    if (timeout.getMillis() <= 0) {
      return result.getState().isTerminal(); // waitUntilFinish(0) would wait for ever
    }
    PipelineResult.State state = result.waitUntilFinish(timeout);
    return state != null && state.isTerminal();
  }

  @Override
  public PipelineResult.State endState() {
    return result.getState();
  }

  @Override
  public MetricResults metrics() {
    return runner == Runner.DIRECT ? new CommittedMetrics(result.metrics()) : result.metrics();
  }

  @Override
  public void cancel(Duration wait) {
    cancelRequested = true;
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
              } catch (IOException | RuntimeException e) {
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
      leftRunning = true;
      LOG.warn("the runner did not stop the job within {} s; leaving it", wait.getStandardSeconds());
    }
  }

  @Override
  public boolean leftRunning() {
    return leftRunning;
  }

  @Override
  public boolean cancelRequested() {
    return cancelRequested;
  }

  @Override
  public Runner runner() {
    return runner;
  }
}
