package io.aggregator.time;

import io.aggregator.events.ParsedEvent;
import io.aggregator.metrics.JobMetrics;
import java.util.Objects;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * Drops, and counts ({@link JobMetrics#EVENTS_DROPPED_LATE}), the events an unbounded read found
 * late: {@link EventTimePolicyFactory} stamps them with the minimum timestamp instead of their
 * event time, because a timestamp policy can mark a record but not remove it. Rejects carry the
 * minimum too and go on to the rejects destination.
 */
public class DropStampedLateEventsFn
    extends DoFn<KafkaRecord<byte[], ParsedEvent>, KafkaRecord<byte[], ParsedEvent>> {

  private final Counter dropped = JobMetrics.counter(JobMetrics.EVENTS_DROPPED_LATE);

  @ProcessElement
  public void process(
      @Element KafkaRecord<byte[], ParsedEvent> record,
      @Timestamp Instant timestamp,
      OutputReceiver<KafkaRecord<byte[], ParsedEvent>> out) {
    ParsedEvent e = Objects.requireNonNull(record.getKV().getValue());
    if (e.isEvent() && !timestamp.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)) {
      dropped.inc();
      return;
    }
    out.output(record);
  }
}
