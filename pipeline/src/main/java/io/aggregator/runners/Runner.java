package io.aggregator.runners;

import java.util.Locale;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The one way to ask which runner a job runs on. Everything that differs by runner asks here,
 * never by comparing names: each runner's jar carries only its own runner's classes, so the
 * answer comes from the runner's name, not its class.
 */
public enum Runner {
  DIRECT("DirectRunner"),
  FLINK("FlinkRunner"),
  SPARK("SparkRunner"),
  /** Any other runner (a test's CrashingRunner, a runner we do not ship): Beam's defaults. */
  OTHER("");

  private final String runnerName;

  Runner(String runnerName) {
    this.runnerName = runnerName;
  }

  /** The runner {@code options} name. */
  public static Runner of(PipelineOptions options) {
    return named(options.getRunner().getSimpleName());
  }

  /** The runner of {@code --runner=NAME} ({@code FlinkRunner}), {@link #OTHER} when not ours. */
  public static Runner named(String name) {
    for (Runner r : values()) {
      if (r != OTHER && r.runnerName.equals(name)) {
        return r;
      }
    }
    return OTHER;
  }

  /** The Maven profile that packages it, and its file under {@code runner-profiles/}: {@code flink}. */
  public String profile() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The name {@code --runner} takes: {@code FlinkRunner}. */
  public String runnerName() {
    return runnerName;
  }
}
