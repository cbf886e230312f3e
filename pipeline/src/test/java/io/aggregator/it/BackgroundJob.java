package io.aggregator.it;

import io.aggregator.Aggregator;
import io.aggregator.launch.RunningJob;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A job started in this JVM whose completion is awaited on another thread, so that a test can
 * act on the servers while it runs, and conditions awaited meanwhile.
 */
final class BackgroundJob implements AutoCloseable {

  final RunningJob job;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  private BackgroundJob(RunningJob job) {
    this.job = job;
    Thread waiter =
        new Thread(
            () -> {
              try {
                exit.complete(job.awaitCompletion());
              } catch (Throwable t) {
                exit.completeExceptionally(t);
              }
            },
            "await-job");
    waiter.setDaemon(true);
    waiter.start();
  }

  static BackgroundJob start(List<String> args) {
    return new BackgroundJob(Aggregator.start(args.toArray(new String[0])));
  }

  /** The exit status the launcher would return (0: a bounded run completed). */
  int awaitExit(long timeoutSeconds) throws Exception {
    return exit.get(timeoutSeconds, TimeUnit.SECONDS);
  }

  boolean ended() {
    return exit.isDone();
  }

  long counter(String name) {
    return job.counter(name);
  }

  @Override
  public void close() {
    job.cancel();
  }

  /** Polls {@code condition} every 100 ms until it holds; fails naming {@code what} after the timeout. */
  static void await(String what, long timeoutSeconds, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutSeconds + " s waiting for " + what);
      }
      Thread.sleep(100); // polling interval of a condition, not synchronisation by time
    }
  }
}
