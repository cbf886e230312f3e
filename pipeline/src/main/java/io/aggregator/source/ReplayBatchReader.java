package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import java.util.List;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * An unbounded reader whose element is a batch of records ({@link HeldBatch}). Shared by {@link
 * ResumableReplaySource} and {@link WatchingStreamSource}.
 */
abstract class ReplayBatchReader
    extends UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> {

  private final HeldBatch held = new HeldBatch();

  /** Makes {@code records} the current element ({@code false} when there is none). */
  protected boolean hold(List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> records) {
    return held.hold(records);
  }

  @Override
  public List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> getCurrent() {
    return held.current();
  }

  @Override
  public Instant getCurrentTimestamp() {
    return held.timestamp();
  }
}
