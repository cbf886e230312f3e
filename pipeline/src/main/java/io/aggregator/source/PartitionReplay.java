package io.aggregator.source;

import io.aggregator.events.JsonEventParser;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.ParsedEventCoder;
import io.aggregator.time.LateEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Reads one partition of a replay at a time, in offset order, up to its stop offset, parsing each
 * message and deciding late events as it goes (docs/semantics.md, "Lateness"): the partition's
 * largest event time so far is what the late rule and the partition's watermark are made of, so
 * the sources that read with it hand that and the next offset to their checkpoints together. A
 * late event is handed on with the minimum timestamp, as a reject is, and dropped
 * and counted by the step after the read ({@link UnpackReplayBatchesFn}), since the FlinkRunner's
 * streaming translation collects no metrics from sources.
 * Shared by {@link KafkaReplaySource} (bounded) and {@link ResumableReplaySource} (checkpointed).
 */
final class PartitionReplay implements AutoCloseable {

  private final ConsumerSettings settings;
  private final JsonEventParser parser;
  private final @Nullable LateEvents lateEvents;
  private final long retryBudgetMillis;

  private @Nullable KafkaConsumer<byte[], byte[]> consumer;
  private TopicSnapshot.@Nullable Partition partition;
  private Iterator<ConsumerRecord<byte[], byte[]>> polled = Collections.emptyIterator();
  private long nextOffset;
  private long maxEventTime;
  /** When the last poll returned records (or the partition was started). */
  private long lastAnswerMillis;
  private @Nullable KafkaRecord<byte[], ParsedEvent> current;
  private Instant currentTimestamp = BoundedWindow.TIMESTAMP_MIN_VALUE;

  /**
   * @param lateEvents the query's late-event rule, or null when nothing is ever dropped
   * @param retryBudgetMillis how long Kafka may not answer before the read fails ({@code
   *     --retryBudget})
   */
  PartitionReplay(
      ConsumerSettings settings,
      JsonEventParser parser,
      @Nullable LateEvents lateEvents,
      long retryBudgetMillis) {
    this.settings = settings;
    this.parser = parser;
    this.lateEvents = lateEvents;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  /** {@code partitions}, checked to be bounded (start and stop offsets known), as a copy. */
  static List<TopicSnapshot.Partition> bounded(List<TopicSnapshot.Partition> partitions) {
    for (TopicSnapshot.Partition p : partitions) {
      if (p.size() < 0) {
        throw new IllegalArgumentException("not a bounded partition: " + p.topicPartition());
      }
    }
    return List.copyOf(partitions);
  }

  /** The coder of a batch of records, each with its timestamp ({@link ReplayBatchReader}). */
  static Coder<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> batchCoder(JsonEventParser parser) {
    return ListCoder.of(TimestampedValue.TimestampedValueCoder.of(recordCoder(parser)));
  }

  /** The coder of the records a replay hands on. */
  static Coder<KafkaRecord<byte[], ParsedEvent>> recordCoder(JsonEventParser parser) {
    return KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), ParsedEventCoder.of(parser.schema()));
  }

  /**
   * Reads {@code p} from {@code offset} on, its largest event time so far being {@code
   * maxEventTime} ({@link Long#MIN_VALUE}: none).
   */
  void seek(TopicSnapshot.Partition p, long offset, long maxEventTime) {
    if (consumer == null) {
      consumer = new KafkaConsumer<>(settings.byteConsumer());
    }
    TopicPartition tp = p.topicPartition();
    consumer.assign(List.of(tp));
    consumer.seek(tp, offset);
    this.partition = p;
    this.nextOffset = offset;
    this.maxEventTime = maxEventTime;
    this.polled = Collections.emptyIterator();
    this.current = null;
    this.lastAnswerMillis = System.currentTimeMillis();
  }

  /**
   * Moves to the next event, late event or reject of the partition, waiting up to {@code poll}
   * for Kafka.
   *
   * @return false when the partition is finished or Kafka gave nothing within {@code poll}
   * @throws IOException when Kafka has given nothing for longer than the retry budget
   */
  private boolean advance(Duration poll) throws IOException {
    current = null;
    TopicSnapshot.Partition p = partition();
    while (true) {
      if (!polled.hasNext()) {
        if (finished()) {
          return false;
        }
        polled = consumer().poll(poll).iterator();
        long now = System.currentTimeMillis();
        if (polled.hasNext()) {
          lastAnswerMillis = now;
        } else if (now - lastAnswerMillis > retryBudgetMillis) {
          // A reader cannot hand control back to some runners without a record (Spark kills
          // tasks between records), so a task polling a broker that has gone would never stop.
          throw new IOException(
              "Kafka at " + settings.bootstrapServers() + " gave no message of "
                  + p.topicPartition() + " for " + (now - lastAnswerMillis) / 1000
                  + " s (--retryBudget), giving up");
        } else {
          return false;
        }
        continue;
      }
      ConsumerRecord<byte[], byte[]> r = polled.next();
      if (r.offset() >= p.stopOffset()) {
        polled = Collections.emptyIterator();
        nextOffset = p.stopOffset();
        consumer().seek(p.topicPartition(), p.stopOffset()); // finished() now holds
        continue;
      }
      nextOffset = r.offset() + 1;
      ParsedEvent e = parser.parse(r.value());
      currentTimestamp = BoundedWindow.TIMESTAMP_MIN_VALUE; // never moves a window or watermark
      if (e.isEvent()) {
        long t = e.eventTimeMillis();
        if (lateEvents == null || !lateEvents.isLate(t, maxEventTime)) {
          maxEventTime = Math.max(maxEventTime, t);
          currentTimestamp = new Instant(t);
        }
      }
      current =
          new KafkaRecord<>(
              r.topic(), r.partition(), r.offset(), r.timestamp(),
              KafkaTimestampType.forOrdinal(r.timestampType().id), r.headers(), r.key(), e);
      return true;
    }
  }

  /**
   * The next records, each with its timestamp (the minimum for a reject or a late event): the
   * next one, waiting up to {@code poll} for Kafka, and those its poll returned with it, up to
   * {@code max}; none when the partition is finished or Kafka gave nothing within {@code poll}.
   *
   * @throws IOException when Kafka has given nothing for longer than the retry budget
   */
  List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> nextBatch(Duration poll, int max)
      throws IOException {
    if (!advance(poll)) {
      return List.of();
    }
    List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> batch = new ArrayList<>();
    do {
      batch.add(TimestampedValue.of(current(), currentTimestamp()));
    } while (batch.size() < max && hasPolled() && advance(poll));
    return batch;
  }

  /** Whether the last poll's records are not all read yet: {@link #advance} needs no poll. */
  private boolean hasPolled() {
    return polled.hasNext();
  }

  /** Whether every message before the partition's stop offset has been handed on or dropped. */
  boolean finished() {
    return nextOffset >= partition().stopOffset()
        || !polled.hasNext()
            && consumer().position(partition().topicPartition()) >= partition().stopOffset();
  }

  private KafkaRecord<byte[], ParsedEvent> current() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return current;
  }

  /** The current record's event time; the minimum for a reject or a late event. */
  private Instant currentTimestamp() {
    current();
    return currentTimestamp;
  }

  /** The offset after the last message read (handed on or dropped). */
  long nextOffset() {
    return nextOffset;
  }

  /** The largest event time read from the partition, or where its reading started from. */
  long maxEventTime() {
    return maxEventTime;
  }

  private TopicSnapshot.Partition partition() {
    if (partition == null) {
      throw new IllegalStateException("no partition to read: seek first");
    }
    return partition;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    if (consumer == null) {
      throw new IllegalStateException("no partition to read: seek first");
    }
    return consumer;
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(5));
      consumer = null;
    }
  }
}
