package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * The current element of a reader that hands on batches of records (what one poll returned),
 * each with its own timestamp, for {@link UnpackReplayBatchesFn} to hand on one by one. The
 * batch's timestamp is the earliest of its records', so each record goes on with its own, never
 * earlier. Held by the bounded and the unbounded readers alike ({@link KafkaReplaySource}, {@link
 * ReplayBatchReader}).
 */
final class HeldBatch {

  private List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> records = List.of();
  private Instant timestamp = BoundedWindow.TIMESTAMP_MIN_VALUE;

  /** Makes {@code next} the current element ({@code false} when there is none). */
  boolean hold(List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> next) {
    Instant earliest = BoundedWindow.TIMESTAMP_MAX_VALUE;
    for (TimestampedValue<KafkaRecord<byte[], ParsedEvent>> r : next) {
      earliest = r.getTimestamp().isBefore(earliest) ? r.getTimestamp() : earliest;
    }
    records = next;
    timestamp = earliest;
    return !next.isEmpty();
  }

  List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> current() {
    if (records.isEmpty()) {
      throw new NoSuchElementException();
    }
    return records;
  }

  Instant timestamp() {
    current();
    return timestamp;
  }
}
