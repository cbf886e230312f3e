package io.aggregator.source;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Kafka consumers kept open between uses instead of closed, for the DirectRunner's unbounded read
 * ({@link WatchingStreamReader}).
 *
 * <p>Why: the DirectRunner closes a source's reader at random (one bundle in twenty, to test
 * resuming from checkpoints) and makes a new one from the checkpoint mark; each new consumer
 * would connect and fetch metadata again. With KafkaIO's splittable read, which opened a consumer
 * at every resumption, keeping them open took an unbounded Direct job from 446 to 497 events/s
 * (30,000 events, medians of 3, scripts/bench.sh; README, "Performance").
 *
 * <p>Each use of a consumer begins with {@code assign} and {@code seek}, so a consumer returned to
 * the pool can serve any partition of the same settings. A consumer is used by one caller at a
 * time: it is taken out of the pool until its {@code close()}. The read never commits offsets
 * (auto-commit is off), so a consumer left open leaves nothing behind; one idle for a minute is
 * closed for real.
 */
public final class PooledConsumers {

  private PooledConsumers() {}

  /** How long an unused consumer stays open. */
  static final long IDLE_MILLIS = 60_000;

  private static final Map<Map<String, Object>, Deque<PooledConsumer>> IDLE = new HashMap<>();

  /** An idle consumer of {@code config}, or a new one; closes those idle too long at {@code now}. */
  static PooledConsumer acquire(Map<String, Object> config, long now) {
    List<PooledConsumer> expired;
    PooledConsumer reused = null;
    synchronized (IDLE) {
      expired = takeExpired(now);
      Deque<PooledConsumer> idle = IDLE.get(config);
      if (idle != null) {
        reused = idle.pollFirst();
      }
      if (reused != null) {
        reused.pooled = false;
      }
    }
    for (PooledConsumer c : expired) {
      c.closeForReal();
    }
    return reused != null ? reused : new PooledConsumer(new HashMap<>(config));
  }

  /**
   * Closes every idle consumer, when a job has stopped: none is left polling a broker that is
   * shut down next (the quick start's own broker logged "Connection to node 1 could not be
   * established" at every exit). A job still running opens new ones as it needs them.
   */
  public static void closeIdle() {
    List<PooledConsumer> all = new ArrayList<>();
    synchronized (IDLE) {
      IDLE.values().forEach(all::addAll);
      IDLE.clear();
    }
    for (PooledConsumer c : all) {
      c.closeForReal();
    }
  }

  /** The consumers of every setting that have been idle for longer than {@link #IDLE_MILLIS}. */
  private static List<PooledConsumer> takeExpired(long now) {
    List<PooledConsumer> expired = new ArrayList<>();
    for (Iterator<Deque<PooledConsumer>> it = IDLE.values().iterator(); it.hasNext(); ) {
      Deque<PooledConsumer> idle = it.next();
      // Most recently used first: the expired ones are at the end.
      while (!idle.isEmpty() && now - idle.peekLast().idleSince > IDLE_MILLIS) {
        expired.add(idle.pollLast());
      }
      if (idle.isEmpty()) {
        it.remove();
      }
    }
    return expired;
  }

  /** A consumer whose {@code close()} returns it to the pool. */
  static final class PooledConsumer extends KafkaConsumer<byte[], byte[]> {
    private final Map<String, Object> config;
    // All three guarded by the pool's lock.
    private long idleSince;
    private boolean closed;
    /** In the pool, not in use. */
    private boolean pooled;

    /** @param config the pool's key, secrets as references; the consumer gets them read */
    PooledConsumer(Map<String, Object> config) {
      super(ConsumerSettings.resolved(config));
      this.config = config;
    }

    @Override
    public void close() {
      release();
    }

    @Override
    public void close(Duration timeout) {
      release();
    }

    private void release() {
      synchronized (IDLE) {
        if (closed || pooled) {
          return; // closed twice: it is in the pool once
        }
      }
      try {
        // No assignment and no fetched records carried over to the next user.
        unsubscribe();
      } catch (RuntimeException e) {
        closeForReal(); // a consumer in a bad state is not reused
        return;
      }
      synchronized (IDLE) {
        idleSince = System.currentTimeMillis(); // read under this lock by takeExpired
        pooled = true;
        IDLE.computeIfAbsent(config, k -> new ArrayDeque<>()).addFirst(this);
      }
    }

    void closeForReal() {
      synchronized (IDLE) {
        closed = true;
      }
      super.close(Duration.ofSeconds(5));
    }

    boolean isClosed() {
      synchronized (IDLE) {
        return closed;
      }
    }
  }
}
