package io.aggregator.tryout;

import io.aggregator.events.EventTags;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.ParsedEvent;
import io.aggregator.time.LateEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Kafka, simulated: the sample's messages arrive at their arrival times on one partition, parsed by
 * the job's parser, with the job's watermark (the largest event time read minus {@code
 * --allowLateFor}) and late rule ({@link LateEvents}) deciding as the real read does
 * (docs/semantics.md, "Watermark", "Lateness"). The simulated processing clock moves from arrival
 * to arrival, stopping one, two and three batch intervals after each (where triggers and the
 * nested query's timers fire), so a run takes as long as its events, not as long as their
 * timeline. The clock never stops anywhere else, so a timer due between stops (a nested query's
 * third batch after a quiet spell) fires at the next stop, shown at that time. At the end of the sample the watermark goes to the end of time, as at the end of a
 * bounded replay: every window closes.
 *
 * <p>Rejects and late drops are decided here, before the pipeline runs, and go to the {@link
 * Timeline} with the moment they arrived; rejects also go to the job's rejects output.
 */
final class SimulatedSource extends PTransform<PBegin, PCollectionTuple> {

  /** Clock stops after each arrival, in batch intervals: triggers wait one, nested timers two. */
  static final int TICKS_AFTER_ARRIVAL = 3;

  /** How far past a timer the clock must be for the DirectRunner to fire it. */
  static final long TIMER_SLACK_MILLIS = 1;

  private final List<SampleEvents.Message> messages;
  private final JsonEventParser parser;
  private final Duration lag;
  private final @Nullable LateEvents lateEvents;
  private final Duration batchInterval;
  private final Timeline timeline;
  /** Where the clock stops besides arrivals ({@link #ticks}). */
  private final TreeSet<Long> ticks;

  SimulatedSource(List<SampleEvents.Message> messages, JsonEventParser parser, Duration lag,
      @Nullable LateEvents lateEvents, Duration batchInterval, Timeline timeline) {
    this.messages = messages;
    this.parser = parser;
    this.lag = lag;
    this.lateEvents = lateEvents;
    this.batchInterval = batchInterval;
    this.timeline = timeline;
    this.ticks = ticks(messages, batchInterval);
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    Stream stream = new Stream(TestStream.create(parser.schema()));
    List<Row> rejects = new ArrayList<>();
    long max = Long.MIN_VALUE;
    for (SampleEvents.Message m : messages) {
      for (long tick : ticks.subSet(stream.clock, false, m.arrivalMillis(), false)) {
        stream.advanceClockTo(tick);
      }
      stream.advanceClockTo(m.arrivalMillis());
      ParsedEvent e = parser.parse(m.bytes());
      if (!e.isEvent()) {
        timeline.reject(stream.clock, m.line(), e.reason().name(), e.detail());
        rejects.add(EventTags.rejectRow(e, Timeline.SAMPLE_TOPIC, 0, m.line()));
      } else if (lateEvents != null && lateEvents.isLate(e.eventTimeMillis(), max)) {
        timeline.late(stream.clock, m.line(), e.eventTimeMillis(), max - lag.getMillis());
      } else {
        max = Math.max(max, e.eventTimeMillis());
        stream.add(e.row(), e.eventTimeMillis(), max - lag.getMillis());
      }
    }
    for (long tick : ticks.tailSet(stream.clock, false)) {
      stream.advanceClockTo(tick);
    }
    PCollection<Row> events = input.apply("ArriveAtTheirTimes", stream.builder.advanceWatermarkToInfinity());
    PCollection<Row> rejected = input.apply("Rejects",
        rejects.isEmpty() ? Create.empty(RowCoder.of(EventTags.REJECT_SCHEMA))
            : Create.of(rejects).withRowSchema(EventTags.REJECT_SCHEMA));
    return PCollectionTuple.of(EventTags.EVENTS, events).and(EventTags.REJECTS, rejected);
  }

  /** The TestStream being built, with its clock and watermark. */
  private static final class Stream {
    TestStream.Builder<Row> builder;
    long clock;
    Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;

    Stream(TestStream.Builder<Row> builder) {
      this.builder = builder;
    }

    void advanceClockTo(long millis) {
      if (millis > clock) {
        builder = builder.advanceProcessingTime(Duration.millis(millis - clock));
        clock = millis;
      }
    }

    void add(Row row, long eventTime, long watermarkMillis) {
      builder = builder.addElements(TimestampedValue.of(row, new Instant(eventTime)));
      if (watermarkMillis > watermark.getMillis()) {
        watermark = new Instant(watermarkMillis);
        builder = builder.advanceWatermarkTo(watermark);
      }
    }
  }

  /**
   * Where the clock stops besides arrivals: one to three batch intervals after each, plus {@link
   * #TIMER_SLACK_MILLIS}: the DirectRunner fires a processing-time timer once its clock is past the
   * timer, not at it.
   */
  private static TreeSet<Long> ticks(List<SampleEvents.Message> messages, Duration batchInterval) {
    TreeSet<Long> ticks = new TreeSet<>();
    for (SampleEvents.Message m : messages) {
      for (int k = 1; k <= TICKS_AFTER_ARRIVAL; k++) {
        ticks.add(m.arrivalMillis() + k * batchInterval.getMillis() + TIMER_SLACK_MILLIS);
      }
    }
    return ticks;
  }

  /** When something that happened at clock {@code millis} was due: a tick's slack taken off. */
  long dueAt(long millis) {
    return ticks.contains(millis) ? millis - TIMER_SLACK_MILLIS : millis;
  }
}
