package io.aggregator.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.aggregator.source.KafkaReadMethod;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.junit.Test;

/** Which runner a job is on, and what the launcher sets for it. */
public class RunnerSupportTest {

  /** A runner whose only use is its simple name: Runner.of asks nothing else. */
  abstract static class StandIn extends PipelineRunner<PipelineResult> {
    @Override
    public PipelineResult run(Pipeline pipeline) {
      throw new UnsupportedOperationException("not run");
    }
  }

  /** Stands in for Beam's SparkRunner, which this test classpath does not carry: same simple name. */
  public static final class SparkRunner extends StandIn {
    public static SparkRunner fromOptions(PipelineOptions options) {
      return new SparkRunner();
    }
  }

  /** Stands in for Beam's FlinkRunner, which this test classpath does not carry. */
  public static final class FlinkRunner extends StandIn {
    public static FlinkRunner fromOptions(PipelineOptions options) {
      return new FlinkRunner();
    }
  }

  static PipelineOptions on(Class<? extends PipelineRunner<?>> runner) {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(runner);
    return options;
  }

  @Test
  public void runnersAreKnownByName() {
    assertEquals(Runner.SPARK, Runner.of(on(SparkRunner.class)));
    assertEquals(Runner.FLINK, Runner.named("FlinkRunner"));
    assertEquals(Runner.OTHER, Runner.named("CrashingRunner"));
    assertEquals("spark", Runner.SPARK.profile());
  }

  @Test
  public void sparkConfReachesSparkAsTheSystemPropertiesSparkConfReads() {
    PipelineOptions spark = on(SparkRunner.class);
    RunnerSupport.configure(spark, false, Map.of("spark.aggregator.test.setting", "42"));
    assertEquals("42", System.getProperty("spark.aggregator.test.setting"));
    assertTrue("unbounded: streaming mode", spark.as(StreamingOptions.class).isStreaming());
    RunnerSupport.configure(spark, true, Map.of());
    assertFalse("a bounded replay runs as a batch job", spark.as(StreamingOptions.class).isStreaming());
  }

  @Test
  public void aStreamingJobKeepsLessSparkHistoryUnlessTold() {
    String jobs = "spark.ui.retainedJobs";
    String batches = "spark.streaming.ui.retainedBatches";
    System.clearProperty(jobs);
    System.clearProperty(batches);
    try {
      RunnerSupport.configure(on(SparkRunner.class), true, Map.of());
      assertNull("a replay ends: Spark's own defaults", System.getProperty(jobs));
      RunnerSupport.configure(on(SparkRunner.class), false, Map.of(batches, "7"));
      assertEquals("100", System.getProperty(jobs));
      assertEquals("the user's --sparkConf wins", "7", System.getProperty(batches));
    } finally {
      System.clearProperty(jobs);
      System.clearProperty(batches);
    }
  }

  /**
   * Spark Streaming buffers every input of a group in the global window: an all-time combine
   * keeps one accumulator per key in state instead, without timers (docs/semantics.md, "State");
   * a Spark replay (batch) combines before its shuffle already and keeps its own.
   */
  @Test
  public void sparkStreamingKeepsAllTimeCombinesInState() {
    for (boolean bounded : new boolean[] {false, true}) {
      PipelineOptions spark = on(SparkRunner.class);
      RunnerSupport.configure(spark, bounded, Map.of());
      Pipeline pipeline = Pipeline.create(spark);
      pipeline
          .apply(Create.of(KV.of("a", 1L), KV.of("b", 2L)))
          .apply(Window.<KV<String, Long>>into(new GlobalWindows())
              .triggering(Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane()))
              .accumulatingFiredPanes())
          .apply(Sum.longsPerKey());
      RunnerSupport.optimize(pipeline, spark, Duration.standardSeconds(1));
      assertEquals(bounded ? 0 : 1, AccumulateInStateTest.statefulSteps(pipeline, MergeInStateFn.class));
    }
  }

  @Test
  public void otherRunnersLeaveSparkSettingsAlone() {
    PipelineOptions direct = PipelineOptionsFactory.create();
    RunnerSupport.configure(direct, false, Map.of("spark.aggregator.test.other", "1"));
    assertNull(System.getProperty("spark.aggregator.test.other"));
  }

  /**
   * A Flink replay that does not checkpoint (none is given here) runs as a batch job: it reads
   * the bounded source, writes its rejects from the read, and its projections have one output;
   * an unbounded job streams through the classic source.
   */
  @Test
  public void aFlinkReplayWithoutCheckpointsIsABatchJob() {
    PipelineOptions replay = on(FlinkRunner.class);
    RunnerSupport.configure(replay, true, Map.of());
    assertFalse(replay.as(StreamingOptions.class).isStreaming());
    KafkaReadMethod read = RunnerSupport.readMethod(replay);
    assertEquals(KafkaReadMethod.Replay.REPLAY_SOURCE, read.replay());
    assertTrue("the read writes the rejects", read.replayWritesRejects());

    PipelineOptions stream = on(FlinkRunner.class);
    RunnerSupport.configure(stream, false, Map.of());
    assertTrue(stream.as(StreamingOptions.class).isStreaming());
    assertEquals(KafkaReadMethod.Stream.CLASSIC_SOURCE, RunnerSupport.readMethod(stream).stream());
  }
}
