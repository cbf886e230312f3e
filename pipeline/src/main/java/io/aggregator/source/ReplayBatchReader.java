package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * A reader whose element is a batch of records, each with its own timestamp (what one poll
 * returned), which {@link UnpackReplayBatchesFn} hands on one by one. The batch's timestamp is the
 * earliest of its records', so each record goes on with its own, never earlier. Shared by {@link
 * ResumableReplaySource} and {@link WatchingStreamSource}.
 */
abstract class ReplayBatchReader
    extends UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> {

  private List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> batch = List.of();
  private Instant batchTimestamp = BoundedWindow.TIMESTAMP_MIN_VALUE;

  /** Makes {@code records} the current element ({@code false} when there is none). */
  protected boolean hold(List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> records) {
    Instant earliest = BoundedWindow.TIMESTAMP_MAX_VALUE;
    for (TimestampedValue<KafkaRecord<byte[], ParsedEvent>> r : records) {
      earliest = r.getTimestamp().isBefore(earliest) ? r.getTimestamp() : earliest;
    }
    batch = records;
    batchTimestamp = earliest;
    return !records.isEmpty();
  }

  @Override
  public List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> getCurrent() {
    if (batch.isEmpty()) {
      throw new NoSuchElementException();
    }
    return batch;
  }

  @Override
  public Instant getCurrentTimestamp() {
    getCurrent();
    return batchTimestamp;
  }
}
