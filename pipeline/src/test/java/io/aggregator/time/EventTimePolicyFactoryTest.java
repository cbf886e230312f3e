package io.aggregator.time;

import static org.junit.Assert.assertEquals;

import io.aggregator.events.ParsedEvent;
import io.aggregator.events.RejectReason;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * Event time, lateness and idleness of one partition, with a clock the test moves: 5-minute
 * tumbling windows, a 1-minute threshold, a 5-second idle timeout (docs/semantics.md, "Watermark").
 */
public class EventTimePolicyFactoryTest {

  static final long MINUTE = 60_000;
  static final long T0 = 1_730_116_800_000L; // 2024-10-28T12:00:00Z, on a window boundary
  static final Duration LAG = Duration.standardMinutes(1);
  static final Duration IDLE = Duration.standardSeconds(5);
  static final Schema SCHEMA = Schema.builder().addStringField("item_id").build();
  static final TopicPartition P0 = new TopicPartition("t", 0);
  static final TopicPartition P1 = new TopicPartition("t", 1);

  /** Now is in 2026: the events are a backfill, far behind the clock. */
  final AtomicLong now = new AtomicLong(T0 + 2 * 365 * 24 * 60 * MINUTE);

  EventTimePolicyFactory factory(Duration idle) {
    LateEvents late = LateEvents.tumbling(Duration.standardMinutes(5), Duration.ZERO, LAG);
    return new EventTimePolicyFactory(
        UUID.randomUUID().toString(), LAG, late, idle,
        now::get);
  }

  static KafkaRecord<byte[], ParsedEvent> record(TopicPartition tp, ParsedEvent e) {
    return new KafkaRecord<>(tp.topic(), tp.partition(), 0, 0, KafkaTimestampType.CREATE_TIME, null,
        KV.of(null, e));
  }

  static Instant stamp(TimestampPolicy<byte[], ParsedEvent> p, TopicPartition tp, long t) {
    ParsedEvent e = ParsedEvent.event(Row.withSchema(SCHEMA).addValue("i-1").build(), t);
    return p.getTimestampForRecord(null, record(tp, e));
  }

  /** Partition 0 read up to T0 + 12 min, partition 1 up to T0 + 2 min: {busy, quiet}. */
  static List<TimestampPolicy<byte[], ParsedEvent>> busyAndQuiet(EventTimePolicyFactory f) {
    TimestampPolicy<byte[], ParsedEvent> busy = f.createTimestampPolicy(P0, Optional.empty());
    TimestampPolicy<byte[], ParsedEvent> quiet = f.createTimestampPolicy(P1, Optional.empty());
    stamp(quiet, P1, T0 + 2 * MINUTE);
    stamp(busy, P0, T0 + 12 * MINUTE);
    return List.of(busy, quiet);
  }

  @Test
  public void eventsAreStampedWithTheirTimeAndLateOnesWithTheMinimum() {
    TimestampPolicy<byte[], ParsedEvent> p = factory(IDLE).createTimestampPolicy(P0, Optional.empty());
    assertEquals(new Instant(T0 + 12 * MINUTE), stamp(p, P0, T0 + 12 * MINUTE));
    // Watermark T0 + 11: [T0 + 5, T0 + 10) has closed, [T0 + 10, T0 + 15) has not.
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, stamp(p, P0, T0 + 9 * MINUTE));
    assertEquals(new Instant(T0 + 10 * MINUTE), stamp(p, P0, T0 + 10 * MINUTE));
    assertEquals(new Instant(T0 + 11 * MINUTE), p.getWatermark(null));
    ParsedEvent reject = ParsedEvent.reject(RejectReason.MALFORMED_JSON, "x", new byte[0]);
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, p.getTimestampForRecord(null, record(P0, reject)));
  }

  @Test
  public void quietPartitionFollowsTheBusyOnesButNotPastTheClock() {
    EventTimePolicyFactory f = factory(IDLE);
    List<TimestampPolicy<byte[], ParsedEvent>> both = busyAndQuiet(f);
    TimestampPolicy<byte[], ParsedEvent> busy = both.get(0);
    TimestampPolicy<byte[], ParsedEvent> quiet = both.get(1);
    assertEquals(new Instant(T0 + MINUTE), quiet.getWatermark(null));
    now.addAndGet(IDLE.getMillis() - 1);
    assertEquals("not idle yet", new Instant(T0 + MINUTE), quiet.getWatermark(null));
    now.incrementAndGet();
    stamp(busy, P0, T0 + 12 * MINUTE); // the busy partition is still delivering
    assertEquals(new Instant(T0 + 11 * MINUTE), quiet.getWatermark(null));
    // Back with an event behind the raised watermark: late. One ahead of it counts.
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, stamp(quiet, P1, T0 + 3 * MINUTE));
    assertEquals(new Instant(T0 + 12 * MINUTE + 30_000), stamp(quiet, P1, T0 + 12 * MINUTE + 30_000));

    // Live data: the raise stops at the clock minus the idle timeout.
    TimestampPolicy<byte[], ParsedEvent> live = f.createTimestampPolicy(new TopicPartition("t", 2), Optional.empty());
    live.getWatermark(null); // first asked now: quiet from now on
    now.addAndGet(IDLE.getMillis());
    stamp(busy, P0, now.get() + MINUTE); // a busy partition slightly ahead of the clock
    assertEquals(new Instant(now.get() - IDLE.getMillis() - LAG.getMillis()), live.getWatermark(null));
  }

  /**
   * Every partition quiet, as in a broker outage: the one behind may have events still to come,
   * so nothing is raised, and windows wait for the next message.
   */
  @Test
  public void whenEveryPartitionIsQuietNothingMoves() {
    EventTimePolicyFactory f = factory(IDLE);
    List<TimestampPolicy<byte[], ParsedEvent>> both = busyAndQuiet(f);
    now.addAndGet(10 * IDLE.getMillis());
    assertEquals(new Instant(T0 + MINUTE), both.get(1).getWatermark(null));
    assertEquals(new Instant(T0 + 11 * MINUTE), both.get(0).getWatermark(null));
    // Traffic again on the busy one: the quiet one follows it.
    stamp(both.get(0), P0, T0 + 13 * MINUTE);
    assertEquals(new Instant(T0 + 12 * MINUTE), both.get(1).getWatermark(null));
  }

  @Test
  public void withoutAnIdleTimeoutAQuietPartitionHoldsForEver() {
    TimestampPolicy<byte[], ParsedEvent> quiet = busyAndQuiet(factory(Duration.ZERO)).get(1);
    now.addAndGet(24 * 60 * MINUTE);
    assertEquals(new Instant(T0 + MINUTE), quiet.getWatermark(null));
  }

  @Test
  public void resumedPolicyGoesOnFromItsWatermarkAndTheQuietSpellIsRemembered() {
    EventTimePolicyFactory f = factory(IDLE);
    Instant w = busyAndQuiet(f).get(1).getWatermark(null);
    // KafkaIO's splittable read makes a new policy at every resume: the quiet spell goes on.
    now.addAndGet(IDLE.getMillis());
    stamp(f.createTimestampPolicy(P0, Optional.empty()), P0, T0 + 12 * MINUTE);
    TimestampPolicy<byte[], ParsedEvent> resumed = f.createTimestampPolicy(P1, Optional.of(w));
    assertEquals(new Instant(T0 + 11 * MINUTE), resumed.getWatermark(null));
  }
}
