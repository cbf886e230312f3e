package io.aggregator.runners;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;

/**
 * A started job, controlled the same way on every runner: wait for its end, read its metrics,
 * cancel it. The runners differ underneath ({@link #start} picks): the DirectRunner and Flink in
 * attached mode block in {@code run()}, Flink's detached result loses its state and metrics with
 * the embedded cluster ({@link DetachedFlinkJob}), Spark's cancel can block for ever ({@link
 * PipelineResultControl}).
 */
public interface JobControl {

  /**
   * Runs {@code pipeline} without blocking. {@code run()} blocks until the job ends, which may be
   * never, on the DirectRunner and on Flink in attached mode: they are asked to return at once, so
   * that the launcher can report progress, watch Kafka and cancel on Ctrl-C.
   */
  static JobControl start(Pipeline pipeline, PipelineOptions options) {
    Runner runner = Runner.of(options);
    if (runner == Runner.DIRECT) {
      RunnerOptions.set(options, RunnerOptions.DIRECT, "BlockOnRun", boolean.class, false);
    } else if (runner == Runner.FLINK) {
      RunnerOptions.set(options, RunnerOptions.FLINK, "AttachedMode", boolean.class, false);
    }
    PipelineResult result = pipeline.run();
    DetachedFlinkJob flinkJob = DetachedFlinkJob.of(result);
    return flinkJob != null ? flinkJob : new PipelineResultControl(result, runner);
  }

  /** Waits up to {@code timeout} (zero: not at all); true when the job has ended. */
  boolean awaitEnd(Duration timeout);

  /** How the job ended; throws, with the cause, when it failed. */
  PipelineResult.State endState();

  /** The job's metrics, while it runs and once it has ended (docs/semantics.md, "Counters"). */
  MetricResults metrics();

  /** Cancels the job if it still runs and waits up to {@code wait} for it to stop. */
  void cancel(Duration wait);

  /**
   * Whether a cancel could not stop the job. The JVM's shutdown hooks would then wait for it too
   * (Spark's stop the stream, with 30 s timeouts each), so the launcher halts instead of exiting.
   */
  boolean leftRunning();

  /** Whether {@link #cancel} was called. */
  boolean cancelRequested();

  /** The runner the job runs on (for {@link ShutdownHooks}). */
  Runner runner();
}
