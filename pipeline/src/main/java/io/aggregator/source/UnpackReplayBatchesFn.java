package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import io.aggregator.metrics.JobMetrics;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;

/**
 * Hands on the records of a batch source's elements ({@link HeldBatch}: every replay, the
 * DirectRunner's unbounded read) one by one, each with its own
 * timestamp (never earlier than its batch's), and drops and counts ({@link
 * JobMetrics#EVENTS_DROPPED_LATE}) the events the source found late: those it stamped with the
 * minimum timestamp. Rejects carry the minimum too and go on to the rejects destination. Counted
 * here, not in the source: the FlinkRunner's streaming translation collects no metrics from
 * sources.
 */
class UnpackReplayBatchesFn
    extends DoFn<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>, KafkaRecord<byte[], ParsedEvent>> {

  private final Counter dropped = JobMetrics.counter(JobMetrics.EVENTS_DROPPED_LATE);

  @ProcessElement
  public void process(
      @Element List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> batch,
      OutputReceiver<KafkaRecord<byte[], ParsedEvent>> out) {
    for (TimestampedValue<KafkaRecord<byte[], ParsedEvent>> r : batch) {
      ParsedEvent e = Objects.requireNonNull(r.getValue().getKV().getValue());
      if (e.isEvent() && !r.getTimestamp().isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)) {
        dropped.inc();
        continue;
      }
      out.outputWithTimestamp(r.getValue(), r.getTimestamp());
    }
  }
}
