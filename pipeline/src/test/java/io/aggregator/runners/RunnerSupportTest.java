package io.aggregator.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.junit.Test;

/** Which runner a job is on, and what the launcher sets for it. */
public class RunnerSupportTest {

  /** Stands in for Beam's SparkRunner, which this test classpath does not carry: same simple name. */
  public static final class SparkRunner extends PipelineRunner<PipelineResult> {
    public static SparkRunner fromOptions(PipelineOptions options) {
      return new SparkRunner();
    }

    @Override
    public PipelineResult run(Pipeline pipeline) {
      throw new UnsupportedOperationException("not run");
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
  public void otherRunnersLeaveSparkSettingsAlone() {
    PipelineOptions direct = PipelineOptionsFactory.create();
    RunnerSupport.configure(direct, false, Map.of("spark.aggregator.test.other", "1"));
    assertNull(System.getProperty("spark.aggregator.test.other"));
  }
}
