package io.aggregator.time;

import io.aggregator.events.ParsedEvent;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Event time and the per-partition watermark for KafkaIO's classic unbounded source, the same as
 * {@link LaggingWatermarkEstimator} gives the splittable read: each record is stamped with its
 * event time (rejects with the minimum, so they never move anything), and the partition's
 * watermark is the largest event time read minus {@code --allowLateFor}. Unlike KafkaIO's own
 * {@code CustomTimestampPolicyWithLimitedDelay}, an idle partition does not move its watermark
 * with the wall clock: replaying old data must close windows exactly as live data did.
 */
public final class EventTimePolicyFactory implements TimestampPolicyFactory<byte[], ParsedEvent> {

  private final Instant floor;
  private final Duration lag;

  /** @param floor the event time every partition's watermark starts from */
  public EventTimePolicyFactory(Instant floor, Duration lag) {
    this.floor = floor;
    this.lag = lag;
  }

  @Override
  public TimestampPolicy<byte[], ParsedEvent> createTimestampPolicy(
      TopicPartition tp, Optional<Instant> previousWatermark) {
    // A restored reader resumes from its checkpointed watermark: the largest event time was at
    // least that plus the lag.
    Instant start =
        previousWatermark
            .filter(w -> w.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE))
            .map(w -> w.plus(lag))
            .orElse(floor);
    LaggingWatermarkEstimator watermark =
        new LaggingWatermarkEstimator(start.isBefore(floor) ? floor : start, lag);
    return new TimestampPolicy<>() {
      @Override
      public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], ParsedEvent> record) {
        ParsedEvent e = record.getKV().getValue();
        Instant t =
            e != null && e.isEvent()
                ? new Instant(e.eventTimeMillis())
                : BoundedWindow.TIMESTAMP_MIN_VALUE;
        watermark.observeTimestamp(t);
        return t;
      }

      @Override
      public Instant getWatermark(PartitionContext ctx) {
        return watermark.currentWatermark();
      }
    };
  }
}
