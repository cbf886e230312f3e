package io.aggregator.runners;

import io.aggregator.runners.CombineBeforeShuffle.GroupedInputs;
import io.aggregator.source.KafkaReadMethod;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a runner can translate, and runs well, decided once at start so that the pipeline itself
 * stays the same on every runner.
 *
 * <ul>
 *   <li>The classic Spark runner cannot translate a splittable DoFn, KafkaIO's splittable read: it
 *       gets the classic sources, the unbounded one read by one reader, because the runner takes
 *       the largest watermark over a source's readers ({@link
 *       KafkaReadMethod.Stream#CLASSIC_SOURCE_ONE_READER}).
 *   <li>Flink runs a replay that does not checkpoint as a batch job, as Spark does, through the
 *       bounded source: about 1.4 times the streaming job's speed, whose window operator
 *       updates state and runs the trigger for every partial and firing (README, "A Flink replay
 *       as a batch job"). A replay given {@code --checkpointingInterval} streams through a
 *       source whose positions its checkpoints hold, {@link
 *       KafkaReadMethod.Replay#RESUMABLE_SOURCE}: a restored bounded source would be read again
 *       from the start (apache/beam#31313). Unbounded jobs read through the classic source,
 *       whose operator passes the watermark on (see {@link KafkaReadMethod.Stream#CLASSIC_SOURCE}).
 *   <li>The DirectRunner replays through the bounded source: its splittable-DoFn runner reads at
 *       most 100 records per step of each partition, and its cost is per bundle. An unbounded job
 *       keeps the splittable read, which also finds new partitions.
 *   <li>Spark runs a bounded replay as a batch job: in streaming mode a pipeline without an
 *       unbounded source fails ("No output operations registered"), and an unbounded job needs
 *       streaming mode.
 *   <li>A batch replay's read writes the rejects itself ({@link
 *       KafkaReadMethod#replayWritesRejects()}): Spark's batch translation persists every element
 *       of a step with two outputs, and Flink's does not chain a step whose output two steps
 *       read, so every event would cross a serializing channel.
 * </ul>
 */
public final class RunnerSupport {

  private static final Logger LOG = LoggerFactory.getLogger(RunnerSupport.class);

  private RunnerSupport() {}

  /** The Kafka read the runner of {@code options} can translate. */
  public static KafkaReadMethod readMethod(PipelineOptions options) {
    switch (Runner.of(options)) {
      case SPARK:
        return new KafkaReadMethod(
            KafkaReadMethod.Replay.REPLAY_SOURCE, KafkaReadMethod.Stream.CLASSIC_SOURCE_ONE_READER,
            true);
      case DIRECT:
        return new KafkaReadMethod(
            KafkaReadMethod.Replay.REPLAY_SOURCE, KafkaReadMethod.Stream.WATCHING_SOURCE, false);
      case FLINK:
        boolean batch = !options.as(StreamingOptions.class).isStreaming(); // see configure
        return new KafkaReadMethod(
            batch ? KafkaReadMethod.Replay.REPLAY_SOURCE : KafkaReadMethod.Replay.RESUMABLE_SOURCE,
            KafkaReadMethod.Stream.CLASSIC_SOURCE, batch);
      default:
        return new KafkaReadMethod(
            KafkaReadMethod.Replay.RESUMABLE_SOURCE, KafkaReadMethod.Stream.CLASSIC_SOURCE, false);
    }
  }

  /**
   * Sets the runner's mode for a {@code bounded} replay or an unbounded job (and a Spark replay's
   * {@link #REPLAY_STORAGE_LEVEL}), and hands the
   * PySpark module's {@code --sparkConf} settings to Spark: Beam's Spark runner builds its context
   * from {@code new SparkConf()}, which takes every {@code spark.*} system property. Other runners
   * have no use for them; they are named in the log so that nobody wonders where they went.
   *
   * <p>A Flink replay streams only when it checkpoints ({@code --checkpointingInterval}, which
   * {@link RunnerCheckpoints} reads): a batch job keeps no checkpoints, and a stopped one starts
   * again from the beginning, as a Spark replay does.
   */
  public static void configure(PipelineOptions options, boolean bounded, Map<String, String> sparkConf) {
    if (Runner.of(options) == Runner.FLINK) {
      options.as(StreamingOptions.class).setStreaming(!bounded || checkpoints(options));
    }
    if (Runner.of(options) != Runner.SPARK) {
      if (!sparkConf.isEmpty()) {
        LOG.warn("--sparkConf {} is for the SparkRunner; ignored on {}", sparkConf.keySet(),
            options.getRunner().getSimpleName());
      }
      return;
    }
    options.as(StreamingOptions.class).setStreaming(!bounded);
    sparkConf.forEach(System::setProperty);
    // Spark's options are missing only where a stand-in for its runner is tested (RunnerSupportTest).
    if (bounded && RunnerOptions.onClasspath(RunnerOptions.SPARK_COMMON)) {
      RunnerOptions.setIfNotGiven(options, RunnerOptions.SPARK_COMMON, "StorageLevel", String.class,
          REPLAY_STORAGE_LEVEL);
    }
    if (!bounded) {
      STREAMING_UI_RETENTION.forEach(
          (key, value) -> {
            if (System.getProperty(key) == null) {
              System.setProperty(key, value);
            }
          });
      forgetEarlierSparkWatermarks();
    }
  }

  /** Whether a Flink job was given a checkpoint interval ({@code 0} or none: it does not checkpoint). */
  private static boolean checkpoints(PipelineOptions options) {
    if (!RunnerOptions.onClasspath(RunnerOptions.FLINK)) {
      return false; // a stand-in for Flink's runner (RunnerSupportTest): nothing given
    }
    Object interval = RunnerOptions.get(options, RunnerOptions.FLINK, "CheckpointingInterval");
    return interval instanceof Long && (Long) interval > 0;
  }

  /**
   * How a Spark replay keeps what its batch translation persists: the whole output of a step with
   * more than one output, which our read's split into events and rejects is (Beam's {@code
   * TransformTranslator}). At Beam's default, {@code MEMORY_ONLY}, that is every event as objects:
   * 3.7 GB peak RSS for 2,000,000 events; encoded by Beam's coders it is 1.6 GB, for about 5% of
   * the speed (README, "Performance"). A {@code --storageLevel} the user gives wins; a streaming
   * job keeps Beam's default (nothing measured there).
   */
  static final String REPLAY_STORAGE_LEVEL = "MEMORY_ONLY_SER";

  /**
   * Spark's defaults for how much history its status store keeps, lowered for a streaming job
   * that runs for months: with Spark's own (1,000 jobs and stages, 100,000 tasks, 1,000 batches)
   * a job's heap grew by that history over its first weeks (README, "Long runs": a nested
   * windowed file 335 MB in days 1–10 and 696 MB in days 20–30). A {@code --sparkConf} of the
   * same key wins.
   */
  static final Map<String, String> STREAMING_UI_RETENTION = Map.of(
      "spark.ui.retainedJobs", "100",
      "spark.ui.retainedStages", "100",
      "spark.ui.retainedTasks", "1000",
      "spark.streaming.ui.retainedBatches", "100");

  /**
   * Beam's Spark runner keeps the watermarks of streaming sources in a static holder that only its
   * test runner clears, keyed by Spark's input-stream id, which every new streaming context counts
   * from 0 again. A second streaming job in the same JVM (a launcher that restarts, our integration
   * tests) started with the first one's watermark, and its aggregation dropped its first windows
   * as late, unseen and uncounted: OutagesIT lost 119 to 2,110 documents on Spark when it ran
   * after PartitionsIT (RestartsIT#aSecondJobInTheSameProcessStartsFromItsOwnWatermark). Reflection:
   * the Spark runner is on the classpath only in the Spark build.
   */
  private static void forgetEarlierSparkWatermarks() {
    Class<?> holder;
    try {
      holder = Class.forName("org.apache.beam.runners.spark.util.GlobalWatermarkHolder");
    } catch (ClassNotFoundException e) {
      return; // no Spark runner in this JVM (options checked without it): nothing to forget
    }
    try {
      holder.getMethod("clear").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this Beam version's Spark runner has no GlobalWatermarkHolder.clear(): " + e, e);
    }
  }

  /**
   * Rewrites, after the graph is built, what the runner of {@code options} would run slowly: the
   * Flink and Direct runners combine only after the shuffle (Flink's batch translation combines
   * before it, but by sorting every event, most of a replay's time in its profile), so each GROUP
   * BY gets a combine within each bundle before it ({@link CombineBeforeShuffle}), on the
   * DirectRunner only in
   * windows ({@link GroupedInputs}), the global window's combines keep one accumulator per
   * key in state ({@link AccumulateInState}), and an unbounded job's windowed combines keep their
   * groups in a few shards ({@link AccumulateInShards}). Spark's batch translation already combines before its shuffle
   * (measured: the same 0.228× of the raw limit with and without it); its streaming translation
   * buffers every input of a group in the global window, so its all-time combines keep one
   * accumulator per key in state too, emitted at each change (its stateful DoFns take no timers).
   * Spark's batch translation persists every step with two outputs, and Flink's gives an output
   * nothing reads a discarding sink of its own, so the step has two readers and is not chained to
   * the next: a batch replay's projections lose the error output nothing reads ({@link
   * SingleOutputProjections}).
   */
  public static void optimize(Pipeline pipeline, PipelineOptions options, Duration batchInterval) {
    Runner runner = Runner.of(options);
    boolean batch = !options.as(StreamingOptions.class).isStreaming();
    if (runner == Runner.FLINK) {
      if (batch) {
        SingleOutputProjections.apply(pipeline);
      }
      CombineBeforeShuffle.apply(pipeline, GroupedInputs.ADDED_ONCE);
    } else if (runner == Runner.DIRECT) {
      AccumulateInState.apply(pipeline, batchInterval, true);
      AccumulateInShards.apply(pipeline, batchInterval);
      CombineBeforeShuffle.apply(pipeline, GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING);
    } else if (runner == Runner.SPARK && !batch) {
      AccumulateInState.apply(pipeline, batchInterval, false);
    } else if (runner == Runner.SPARK) {
      SingleOutputProjections.apply(pipeline);
    }
  }
}
