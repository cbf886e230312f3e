package io.aggregator.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The launcher ({@code io.aggregator.Aggregator}) in a JVM of its own, on the test classpath and
 * with the runner's JVM flags ({@code aggregator.jvmFlags}): a job that can be killed as a crash
 * would, stopped as by Ctrl-C, or left to exit by itself, with its whole output in a file.
 */
final class ChildJob {
  private ChildJob() {}

  static Process start(List<String> args, Path log) throws IOException {
    return start(args, log, Map.of());
  }

  /** As {@link #start(List, Path)}, with {@code environment} added to this process's. */
  static Process start(List<String> args, Path log, Map<String, String> environment)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String flags = System.getProperty("aggregator.jvmFlags", "").trim();
    if (!flags.isEmpty()) {
      command.addAll(Arrays.asList(flags.split("\\s+")));
    }
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("io.aggregator.Aggregator");
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(environment);
    return pb.start();
  }

  /** SIGTERM, as Ctrl-C would: the launcher cancels the job and exits. */
  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the job did not stop within 90 s of SIGTERM");
    }
  }

  /** The exit status, once the process ends within {@code seconds}; fails otherwise. */
  static int awaitExit(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the job did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }
}
