package io.aggregator.runners;

import static org.junit.Assert.assertEquals;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** Runner options set by the launcher, and what the user gave winning over them. */
public class RunnerOptionsTest {

  /** Shaped like Spark's {@code storageLevel}: a default factory, so never null. */
  public interface LevelOptions extends PipelineOptions {
    @Default.InstanceFactory(LevelFactory.class)
    String getLevel();

    void setLevel(String level);
  }

  public static final class LevelFactory implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return "RUNNER_DEFAULT";
    }
  }

  private static final String TYPE = LevelOptions.class.getName();

  @Test
  public void anOptionLeftAtItsDefaultIsSet() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.as(LevelOptions.class).getLevel(); // the default, read once, is still not given

    RunnerOptions.setIfNotGiven(options, TYPE, "Level", String.class, "OURS");

    assertEquals("OURS", options.as(LevelOptions.class).getLevel());
  }

  @Test
  public void anOptionTheUserGaveIsKept() {
    PipelineOptionsFactory.register(LevelOptions.class);
    PipelineOptions options = PipelineOptionsFactory.fromArgs("--level=RUNNER_DEFAULT").create();

    RunnerOptions.setIfNotGiven(options, TYPE, "Level", String.class, "OURS");

    assertEquals("RUNNER_DEFAULT", options.as(LevelOptions.class).getLevel());
  }
}
