package io.aggregator.sink;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The MongoDB servers a write of this JVM gave up on, and when, so that the other writes to the
 * same server fail at once instead of each waiting out {@code --retryBudget} again.
 *
 * <p>Why: a runner keeps running the bundles it has already queued after one of them failed. The
 * DirectRunner runs them on its three worker threads and notices the failure only when its
 * scheduler, queued behind them on the same threads, gets a turn; a replay that fires every window
 * at once queues a bundle per key. With each bundle waiting out the budget (3 s in OutagesIT) on a
 * server that has gone, a job of 2,000 events could run for many minutes before reporting the
 * failure. Once one write has given up, the others fail within microseconds: the job fails after
 * about one budget, with the same message. The record lasts one budget, so a job restarted later
 * (Flink restarts failed jobs) tries the server again.
 */
final class GivenUpServers {

  private static final ConcurrentHashMap<String, Long> GAVE_UP = new ConcurrentHashMap<>();

  private GivenUpServers() {}

  /** Records that a write to {@code uri} gave up at {@code nowMillis}. */
  static void gaveUp(String uri, long nowMillis) {
    GAVE_UP.put(uri, nowMillis);
  }

  /** A write to {@code uri} succeeded: the server is back. */
  static void reached(String uri) {
    GAVE_UP.remove(uri);
  }

  /**
   * How long ago, at {@code nowMillis}, a write to {@code uri} gave up, when that is less than
   * {@code budgetMillis} ago; else -1.
   */
  static long recentlyGivenUp(String uri, long budgetMillis, long nowMillis) {
    Long at = GAVE_UP.get(uri);
    if (at == null || nowMillis - at >= budgetMillis) {
      return -1;
    }
    return nowMillis - at;
  }
}
