package io.aggregator.source;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.time.DropLateEventsFn;
import io.aggregator.time.LateEvents;
import io.aggregator.events.ParsedEventCoder;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.JsonEventParser;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A bounded replay as a classic {@link BoundedSource}: each partition from its start to its stop
 * offset (a {@link TopicSnapshot}), split one source per partition.
 *
 * <p>Why a second way to read: the classic Spark runner cannot translate KafkaIO's splittable read
 * ({@code ReadFromKafkaDoFn}), while every runner reads a {@code BoundedSource}. A bounded source has
 * no watermark until it is done, so late events are decided here, as each partition is read in
 * its own order, by the same rule as {@link DropLateEventsFn} (a stateful step downstream would
 * see the partition's events after a shuffle, in no particular order).
 */
final class KafkaReplaySource extends BoundedSource<KafkaRecord<byte[], ParsedEvent>> {

  /** An assumed average message size, for the runner's split estimate only. */
  private static final long BYTES_PER_MESSAGE = 200;

  private final ConsumerSettings consumer;
  private final List<TopicSnapshot.Partition> partitions;
  private final JsonEventParser parser;
  private final @Nullable LateEvents lateEvents;
  private final long retryBudgetMillis;

  /**
   * @param partitions bounded partitions (start and stop offsets known)
   * @param lateEvents the query's late-event rule, or null when nothing is ever dropped
   * @param retryBudgetMillis how long Kafka may not answer before the read fails ({@code
   *     --retryBudget})
   */
  KafkaReplaySource(
      ConsumerSettings consumer,
      List<TopicSnapshot.Partition> partitions,
      JsonEventParser parser,
      @Nullable LateEvents lateEvents,
      long retryBudgetMillis) {
    for (TopicSnapshot.Partition p : partitions) {
      if (p.size() < 0) {
        throw new IllegalArgumentException("not a bounded partition: " + p.topicPartition());
      }
    }
    this.consumer = consumer;
    this.partitions = List.copyOf(partitions);
    this.parser = parser;
    this.lateEvents = lateEvents;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  @Override
  public List<? extends BoundedSource<KafkaRecord<byte[], ParsedEvent>>> split(
      long desiredBundleSizeBytes, PipelineOptions options) {
    if (partitions.size() <= 1) {
      return List.of(this);
    }
    List<KafkaReplaySource> one = new ArrayList<>();
    for (TopicSnapshot.Partition p : partitions) {
      one.add(
          new KafkaReplaySource(
              consumer, List.of(p), parser, lateEvents, retryBudgetMillis));
    }
    return one;
  }

  @Override
  public long getEstimatedSizeBytes(PipelineOptions options) {
    long messages = 0;
    for (TopicSnapshot.Partition p : partitions) {
      messages += p.size();
    }
    return messages * BYTES_PER_MESSAGE;
  }

  @Override
  public Coder<KafkaRecord<byte[], ParsedEvent>> getOutputCoder() {
    return KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), ParsedEventCoder.of(parser.schema()));
  }

  @Override
  public BoundedReader<KafkaRecord<byte[], ParsedEvent>> createReader(PipelineOptions options) {
    return new Reader(this);
  }

  /** Reads the source's partitions one after the other, each in offset order. */
  private static final class Reader extends BoundedReader<KafkaRecord<byte[], ParsedEvent>> {
    private static final Duration POLL = Duration.ofMillis(500);

    private final KafkaReplaySource source;
    private final Counter droppedLate =
        JobMetrics.counter(JobMetrics.EVENTS_DROPPED_LATE);
    private @Nullable KafkaConsumer<byte[], byte[]> consumer;
    private int partitionIndex = -1;
    private Iterator<ConsumerRecord<byte[], byte[]>> polled = Collections.emptyIterator();
    private long maxEventTime;
    private @Nullable KafkaRecord<byte[], ParsedEvent> current;
    private Instant currentTimestamp = BoundedWindow.TIMESTAMP_MIN_VALUE;
    /** When the last poll returned records (or the partition was started). */
    private long lastAnswerMillis;

    Reader(KafkaReplaySource source) {
      this.source = source;
    }

    @Override
    public boolean start() throws IOException {
      consumer = new KafkaConsumer<>(source.consumer.byteConsumer());
      return advance();
    }

    @Override
    public boolean advance() throws IOException {
      while (true) {
        if (partitionIndex < 0 || !polled.hasNext() && finished(partition())) {
          if (!nextPartition()) {
            current = null;
            return false;
          }
          continue;
        }
        if (!polled.hasNext()) {
          polled = consumer().poll(POLL).iterator();
          long now = System.currentTimeMillis();
          if (polled.hasNext()) {
            lastAnswerMillis = now;
          } else if (now - lastAnswerMillis > source.retryBudgetMillis) {
            // A reader cannot hand control back without a record, so a runner could not stop a
            // task polling a broker that has gone (Spark kills tasks between records): give up.
            throw new IOException(
                "Kafka at " + source.consumer.bootstrapServers() + " gave no message of "
                    + partition().topicPartition() + " for " + (now - lastAnswerMillis) / 1000
                    + " s (--retryBudget), giving up");
          }
          continue;
        }
        ConsumerRecord<byte[], byte[]> r = polled.next();
        TopicSnapshot.Partition p = partition();
        if (r.offset() >= p.stopOffset()) {
          polled = Collections.emptyIterator();
          consumer().seek(p.topicPartition(), p.stopOffset()); // finished(p) now holds
          continue;
        }
        ParsedEvent e = source.parser.parse(r.value());
        if (e.isEvent()) {
          long t = e.eventTimeMillis();
          if (source.lateEvents != null && source.lateEvents.isLate(t, maxEventTime)) {
            droppedLate.inc();
            continue;
          }
          maxEventTime = Math.max(maxEventTime, t);
          currentTimestamp = new Instant(t);
        } else {
          currentTimestamp = BoundedWindow.TIMESTAMP_MIN_VALUE; // never moves a window or watermark
        }
        current =
            new KafkaRecord<>(
                r.topic(), r.partition(), r.offset(), r.timestamp(),
                KafkaTimestampType.forOrdinal(r.timestampType().id), r.headers(), r.key(), e);
        return true;
      }
    }

    private TopicSnapshot.Partition partition() {
      return source.partitions.get(partitionIndex);
    }

    private boolean finished(TopicSnapshot.Partition p) {
      return consumer().position(p.topicPartition()) >= p.stopOffset();
    }

    private boolean nextPartition() {
      if (++partitionIndex >= source.partitions.size()) {
        return false;
      }
      TopicSnapshot.Partition p = partition();
      TopicPartition tp = p.topicPartition();
      consumer().assign(List.of(tp));
      consumer().seek(tp, p.startOffset());
      polled = Collections.emptyIterator();
      lastAnswerMillis = System.currentTimeMillis();
      maxEventTime = source.lateEvents == null ? Long.MIN_VALUE : source.lateEvents.floorMillis();
      return true;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
      if (consumer == null) {
        throw new IllegalStateException("reader not started");
      }
      return consumer;
    }

    @Override
    public KafkaRecord<byte[], ParsedEvent> getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public Instant getCurrentTimestamp() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return currentTimestamp;
    }

    @Override
    public void close() {
      if (consumer != null) {
        consumer.close(Duration.ofSeconds(5));
        consumer = null;
      }
    }

    @Override
    public BoundedSource<KafkaRecord<byte[], ParsedEvent>> getCurrentSource() {
      return source;
    }
  }
}
