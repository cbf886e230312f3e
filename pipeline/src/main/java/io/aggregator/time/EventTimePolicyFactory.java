package io.aggregator.time;

import io.aggregator.events.ParsedEvent;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Event time, lateness and the per-partition watermark of an unbounded job, decided in one place
 * for each partition as KafkaIO reads it (docs/semantics.md, "Watermark" and "Lateness"):
 *
 * <ul>
 *   <li>each event is stamped with its event time; a reject, and an event late by {@link
 *       LateEvents}, with the minimum timestamp, which {@link DropStampedLateEventsFn} recognises
 *       and counts. Deciding lateness where the watermark is made is what keeps the two in step:
 *       an event kept here is never late at the aggregation.
 *   <li>the partition's watermark is the largest event time read from it minus {@code
 *       --allowLateFor}. Pure event time, so that replaying old data closes windows as live data
 *       did; the one exception is an idle partition:
 *   <li>a partition that has delivered nothing for {@code --idleTimeout} stops holding the job's
 *       watermark back: its largest event time moves up to the largest read from the job's active
 *       partitions on this worker (those that delivered a message within the timeout), but never
 *       past the clock minus the idle timeout; when no partition is active, nothing moves. When a
 *       message arrives again it is judged against that advanced watermark, like any other event.
 * </ul>
 *
 * <p>Used by both unbounded reads: KafkaIO's splittable read (Direct) and its classic source (Flink,
 * Spark). The state across checkpoints is the watermark KafkaIO keeps for each partition.
 */
public final class EventTimePolicyFactory implements TimestampPolicyFactory<byte[], ParsedEvent> {

  private final String jobKey;
  private final Duration lag;
  private final @Nullable LateEvents lateEvents;
  private final long idleMillis;
  private final Clock clock;

  /** The processing clock, replaceable in tests. */
  interface Clock extends java.io.Serializable {
    long millis();
  }

  /**
   * @param jobKey unique to the job, for {@link PartitionActivity}
   * @param lateEvents the query's lateness rule, or null when nothing is ever late
   * @param idleTimeout {@code --idleTimeout}; zero: a partition holds the watermark for ever
   */
  public EventTimePolicyFactory(
      String jobKey,
      Duration lag,
      @Nullable LateEvents lateEvents,
      Duration idleTimeout) {
    this(jobKey, lag, lateEvents, idleTimeout, System::currentTimeMillis);
  }

  EventTimePolicyFactory(
      String jobKey,
      Duration lag,
      @Nullable LateEvents lateEvents,
      Duration idleTimeout,
      Clock clock) {
    this.clock = clock;
    this.jobKey = jobKey;
    this.lag = lag;
    this.lateEvents = lateEvents;
    this.idleMillis = idleTimeout.getMillis();
  }

  @Override
  public TimestampPolicy<byte[], ParsedEvent> createTimestampPolicy(
      TopicPartition tp, Optional<Instant> previousWatermark) {
    // A resumed or restored read goes on from its last watermark: the largest event time was at
    // least that plus the lag. A first read knows none (Long.MIN_VALUE).
    long start =
        previousWatermark
            .filter(w -> w.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE))
            .map(w -> w.getMillis() + lag.getMillis())
            .orElse(Long.MIN_VALUE);
    return new Policy(tp.toString(), start);
  }

  private final class Policy extends TimestampPolicy<byte[], ParsedEvent> {
    private final PartitionActivity activity = PartitionActivity.of(jobKey);
    /** When the partition last delivered a message: kept per worker, as policies come and go. */
    private final AtomicLong lastMessage;
    /** This partition's largest event time, as the worker's idle partitions see it. */
    private final AtomicLong published;
    private long maxEventTime;

    Policy(String partition, long maxEventTime) {
      this.maxEventTime = maxEventTime;
      // A partition first seen now gets a full idle timeout, on a restarted worker too.
      this.lastMessage = activity.lastMessageCell(partition, clock.millis());
      // Known from now on, with the state it resumes from.
      this.published = activity.partitionMaxCell(partition);
      published.set(maxEventTime);
    }

    @Override
    public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], ParsedEvent> record) {
      lastMessage.set(clock.millis());
      ParsedEvent e = record.getKV().getValue();
      if (e == null || !e.isEvent()) {
        return BoundedWindow.TIMESTAMP_MIN_VALUE;
      }
      long t = e.eventTimeMillis();
      if (lateEvents != null && maxEventTime != Long.MIN_VALUE && lateEvents.isLate(t, maxEventTime)) {
        return BoundedWindow.TIMESTAMP_MIN_VALUE;
      }
      if (t > maxEventTime) {
        maxEventTime = t;
        published.set(t);
      }
      return new Instant(t);
    }

    @Override
    public Instant getWatermark(PartitionContext ctx) {
      long now = clock.millis();
      if (idleMillis > 0 && now - lastMessage.get() >= idleMillis) {
        // Only active partitions lead: when all are quiet, the quiet one may be the one whose
        // events are still to come (a broker outage looks the same), so nothing moves.
        long target = Math.min(now - idleMillis, activity.activeMaxEventTime(now, idleMillis));
        maxEventTime = Math.max(maxEventTime, target);
        published.set(maxEventTime);
      }
      return watermarkOf(maxEventTime, lag.getMillis());
    }
  }

  /** The largest event time minus the lag, within Beam's timestamps. */
  static Instant watermarkOf(long maxEventTime, long lagMillis) {
    if (maxEventTime == Long.MIN_VALUE
        || maxEventTime - lagMillis <= BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
    long w = maxEventTime - lagMillis;
    return w >= BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis() ? BoundedWindow.TIMESTAMP_MAX_VALUE : new Instant(w);
  }
}
