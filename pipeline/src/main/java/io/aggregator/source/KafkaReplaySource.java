package io.aggregator.source;

import io.aggregator.time.LateEvents;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.JsonEventParser;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A bounded replay as a classic {@link BoundedSource}: each partition from its start to its stop
 * offset (a {@link TopicSnapshot}), split one source per partition, late events decided as each
 * partition is read in its own order ({@link PartitionReplay}) and stamped with the minimum
 * timestamp, in batches of what one poll returned ({@link HeldBatch}; {@link
 * ResumableReplaySource#BATCH} says why batches), which {@link UnpackReplayBatchesFn} hands on
 * one by one, dropping and counting the late events.
 *
 * <p>Why a bounded source: the classic Spark runner cannot translate KafkaIO's splittable read,
 * while every runner reads a {@code BoundedSource}; the DirectRunner reads it in large bundles,
 * and Spark and Flink run a replay that reads it as a batch job. It has no watermark until it is
 * done and no position to resume from: a Flink replay that checkpoints reads {@link
 * ResumableReplaySource} instead.
 */
final class KafkaReplaySource extends BoundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> {

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
    this.consumer = consumer;
    this.partitions = PartitionReplay.bounded(partitions);
    this.parser = parser;
    this.lateEvents = lateEvents;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  @Override
  public List<KafkaReplaySource> split(
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
  public Coder<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> getOutputCoder() {
    return PartitionReplay.batchCoder(parser);
  }

  @Override
  public BoundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> createReader(PipelineOptions options) {
    return new Reader(this);
  }

  /** Reads the source's partitions one after the other, each in offset order. */
  private static final class Reader extends BoundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> {
    /** How long one poll waits: the reader waits on for records until the retry budget. */
    private static final Duration POLL = Duration.ofMillis(500);

    private final KafkaReplaySource source;
    private final PartitionReplay replay;
    private final HeldBatch held = new HeldBatch();
    private int partitionIndex = -1;

    Reader(KafkaReplaySource source) {
      this.source = source;
      this.replay =
          new PartitionReplay(
              source.consumer, source.parser, source.lateEvents, source.retryBudgetMillis);
    }

    @Override
    public boolean start() throws IOException {
      return advance();
    }

    @Override
    public boolean advance() throws IOException {
      while (true) {
        if (partitionIndex >= 0 && !replay.finished()) {
          if (held.hold(replay.nextBatch(POLL, ResumableReplaySource.BATCH))) {
            return true;
          }
          continue; // nothing yet: poll again (until the retry budget is spent)
        }
        if (++partitionIndex >= source.partitions.size()) {
          return false;
        }
        TopicSnapshot.Partition p = source.partitions.get(partitionIndex);
        replay.seek(
            p, p.startOffset(),
            source.lateEvents == null ? Long.MIN_VALUE : source.lateEvents.floorMillis());
      }
    }

    @Override
    public List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> getCurrent() {
      return held.current();
    }

    @Override
    public Instant getCurrentTimestamp() {
      return held.timestamp();
    }

    @Override
    public void close() {
      replay.close();
    }

    @Override
    public BoundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> getCurrentSource() {
      return source;
    }
  }
}
