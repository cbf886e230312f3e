package io.aggregator.it;

import io.aggregator.runners.Runner;
import java.util.List;

/**
 * The runner the integration suite runs its jobs on, and the options each needs locally. The
 * runner comes from the build profile ({@code -Pflink}, {@code -Pspark}; DirectRunner by default):
 * a combined Flink and Spark classpath carries two Kryo versions, so each runner's suite runs in its
 * own build with the same tests.
 */
final class Runners {

  private Runners() {}

  /** The runner of this build's integration suite. */
  static Runner current() {
    String runner = System.getProperty("aggregator.runner", "");
    return runner.isBlank() ? Runner.DIRECT : Runner.named(runner);
  }

  /** Job options that put a job on {@code runner} in this JVM. */
  static List<String> options(Runner runner) {
    switch (runner) {
      case FLINK:
        // The embedded mini-cluster, two parallel subtasks: partitions are really read in parallel.
        // No copies between chained steps and bundles of up to 100,000 elements, as
        // runner-profiles/flink.conf ships them: what is combined before the shuffle
        // (CombineBeforeShuffle) then spans many events per key, as in production.
        return List.of("--runner=" + runner.runnerName(), "--flinkMaster=[local]", "--parallelism=2",
            "--fasterCopy=true", "--maxBundleSize=100000");
      case SPARK:
        return List.of("--runner=" + runner.runnerName(), "--sparkMaster=local[2]",
            "--enableSparkMetricSinks=false");
      default:
        return List.of();
    }
  }
}
