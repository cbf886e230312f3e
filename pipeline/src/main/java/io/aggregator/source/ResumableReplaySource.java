package io.aggregator.source;

import io.aggregator.events.JsonEventParser;
import io.aggregator.events.ParsedEvent;
import io.aggregator.time.LateEvents;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A bounded replay read as an unbounded source that ends: one split per partition, each read from
 * its start to its stop offset ({@link PartitionReplay}, late events decided as read and stamped
 * with the minimum timestamp), in batches of what one poll returned, each record with its
 * timestamp, which {@link UnpackReplayBatchesFn} hands on one by one, dropping and counting the
 * late events ({@link #BATCH} says why batches). Its
 * position and largest event time in the runner's checkpoints, its watermark at the maximum once
 * the partition is done, which ends the job. Flink replays through it.
 *
 * <p>Why on Flink (README, "Performance"): a bounded source restored from a checkpoint is read
 * again from the start (apache/beam#31313), and KafkaIO's splittable read, which resumes, cannot
 * drop late events as it reads, so a step keyed by partition did, and every record crossed a
 * shuffle to get there. Here the late rule's state (the partition's largest event time) travels
 * with the offset in one checkpoint mark, so a restored job decides lateness as the one that was
 * stopped would have (docs/semantics.md, "Lateness", "Restarts").
 *
 * <p>The watermark of each partition is its largest event time minus {@code --allowLateFor},
 * starting from the replay's earliest head event ({@link TopicSnapshot#headEventTime}): pure event
 * time, so replaying old data closes windows exactly as live data did (docs/semantics.md,
 * "Watermark"). The runner holds the read's watermark at the minimum over partitions.
 */
final class ResumableReplaySource
    extends UnboundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>, ResumableReplaySource.Position> {

  /** How long one read step waits for Kafka before handing control back to the runner. */
  private static final Duration POLL = Duration.ofMillis(100);

  /**
   * At most this many records per element, here and in {@link KafkaReplaySource}. Why batches:
   * Beam's Flink source wrappers (streaming and batch) update the job's metrics after every {@code
   * advance()} (ReaderInvocationUtil), a quarter of the read thread's time with one record per
   * call (README, "Performance").
   */
  static final int BATCH = 500;

  private final ConsumerSettings consumer;
  private final List<TopicSnapshot.Partition> partitions;
  private final JsonEventParser parser;
  private final @Nullable LateEvents lateEvents;
  private final long floorMillis;
  private final long lagMillis;
  private final long retryBudgetMillis;

  /**
   * @param partitions bounded partitions (start and stop offsets known), one split each
   * @param lateEvents the query's late-event rule, or null when nothing is ever dropped
   * @param floorMillis the event time every partition's watermark starts from, or {@link
   *     Long#MIN_VALUE}
   * @param lag {@code --allowLateFor}: how far each partition's watermark stays behind its
   *     largest event time
   * @param retryBudgetMillis how long Kafka may not answer before the read fails
   */
  ResumableReplaySource(
      ConsumerSettings consumer,
      List<TopicSnapshot.Partition> partitions,
      JsonEventParser parser,
      @Nullable LateEvents lateEvents,
      long floorMillis,
      org.joda.time.Duration lag,
      long retryBudgetMillis) {
    this.consumer = consumer;
    this.partitions = PartitionReplay.bounded(partitions);
    this.parser = parser;
    this.lateEvents = lateEvents;
    this.floorMillis = floorMillis;
    this.lagMillis = lag.getMillis();
    this.retryBudgetMillis = retryBudgetMillis;
  }

  /**
   * Where a partition's read stands: the next offset to read and the largest event time read
   * before it, which the late rule and the watermark go on from.
   */
  record Position(long nextOffset, long maxEventTime) implements CheckpointMark, Serializable {
    @Override
    public void finalizeCheckpoint() {
      // Offsets are never committed to Kafka: what a job has read lives in its checkpoints.
    }
  }

  /** One split per partition, whatever the runner asks: a partition is read in its order. */
  @Override
  public List<ResumableReplaySource> split(int desiredNumSplits, PipelineOptions options) {
    List<ResumableReplaySource> splits = new ArrayList<>();
    for (TopicSnapshot.Partition p : partitions) {
      splits.add(
          new ResumableReplaySource(
              consumer, List.of(p), parser, lateEvents, floorMillis,
              org.joda.time.Duration.millis(lagMillis), retryBudgetMillis));
    }
    return splits;
  }

  @Override
  public UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> createReader(
      PipelineOptions options, @Nullable Position restored) {
    if (partitions.size() != 1) {
      throw new IllegalStateException("read a split: one partition each, not " + partitions.size());
    }
    TopicSnapshot.Partition p = partitions.get(0);
    return new Reader(this, p, restored == null ? new Position(p.startOffset(), floorMillis) : restored);
  }

  @Override
  public Coder<Position> getCheckpointMarkCoder() {
    return SerializableCoder.of(Position.class);
  }

  @Override
  public Coder<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> getOutputCoder() {
    return PartitionReplay.batchCoder(parser);
  }

  /** A partition's watermark when {@code maxEventTime} is the largest event time read from it. */
  Instant watermark(long maxEventTime) {
    if (maxEventTime == Long.MIN_VALUE
        || maxEventTime - lagMillis <= BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
    return new Instant(maxEventTime - lagMillis);
  }

  /** Reads one partition from a position; done, its watermark is the maximum. */
  private static final class Reader extends ReplayBatchReader {
    private final ResumableReplaySource source;
    private final TopicSnapshot.Partition partition;
    private final Position from;
    private final PartitionReplay replay;
    private boolean started;

    Reader(ResumableReplaySource source, TopicSnapshot.Partition partition, Position from) {
      this.source = source;
      this.partition = partition;
      this.from = from;
      this.replay =
          new PartitionReplay(
              source.consumer, source.parser, source.lateEvents, source.retryBudgetMillis);
    }

    @Override
    public boolean start() throws IOException {
      replay.seek(partition, from.nextOffset(), from.maxEventTime());
      started = true;
      return advance();
    }

    /** The next batch: what the last poll returned, or one poll's worth, up to {@link #BATCH}. */
    @Override
    public boolean advance() throws IOException {
      return hold(replay.nextBatch(POLL, BATCH));
    }

    @Override
    public Instant getWatermark() {
      if (!started) {
        return source.watermark(from.maxEventTime()); // a restored read's, until it reads on
      }
      if (replay.finished()) {
        return BoundedWindow.TIMESTAMP_MAX_VALUE; // the runner ends the job once every split is here
      }
      return source.watermark(replay.maxEventTime());
    }

    @Override
    public Position getCheckpointMark() {
      if (!started) {
        return from;
      }
      return new Position(replay.nextOffset(), replay.maxEventTime());
    }

    @Override
    public void close() {
      replay.close();
    }

    @Override
    public UnboundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>, ?> getCurrentSource() {
      return source;
    }
  }
}
