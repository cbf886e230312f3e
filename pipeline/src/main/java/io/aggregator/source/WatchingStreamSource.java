package io.aggregator.source;

import io.aggregator.events.JsonEventParser;
import io.aggregator.events.ParsedEvent;
import io.aggregator.time.EventTimePolicyFactory;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An unbounded job's read on the DirectRunner: one reader over every partition of the topic,
 * finding partitions added while the job runs ({@code --partitionDiscoveryInterval}; each read
 * from the consumer group's committed offset, or its first), handing on what one poll returned as
 * one element, each record with the timestamp its partition's {@link EventTimePolicyFactory}
 * policy gave it (late events and rejects: the minimum), which {@link UnpackReplayBatchesFn} hands
 * on one by one, dropping and counting the late events. The read's watermark is the minimum over
 * the partitions' (docs/semantics.md, "Watermark", "Partitions").
 *
 * <p>Why (README, "Performance"): the DirectRunner's cost is per bundle, not per event, and its
 * splittable-DoFn runner hands KafkaIO's read at most 100 records per step, its classic-source
 * runner 10 elements per bundle; ten polls per bundle carry thousands of records.
 *
 * <p>Its checkpoint holds each partition's next offset and watermark ({@link Positions}); the
 * DirectRunner keeps them only while the job runs (a restart reads the topic again,
 * docs/semantics.md, "Restarts").
 */
final class WatchingStreamSource
    extends UnboundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>, WatchingStreamSource.Positions> {

  /** How long one read step waits for Kafka before handing control back to the runner. */
  static final Duration POLL = Duration.ofMillis(100);

  final ConsumerSettings consumer;
  final String topic;
  final JsonEventParser parser;
  final EventTimePolicyFactory policies;
  final long discoveryMillis;

  /**
   * @param policies event time, lateness and idleness per partition
   * @param discoveryInterval how often the topic is asked for new partitions
   */
  WatchingStreamSource(
      ConsumerSettings consumer,
      String topic,
      JsonEventParser parser,
      EventTimePolicyFactory policies,
      org.joda.time.Duration discoveryInterval) {
    this.consumer = consumer;
    this.topic = topic;
    this.parser = parser;
    this.policies = policies;
    this.discoveryMillis = discoveryInterval.getMillis();
  }

  /**
   * Where the read stands, per partition: the next offset and the watermark its policy goes on
   * from.
   */
  record Positions(Map<Integer, Long> nextOffsets, Map<Integer, Long> watermarks)
      implements CheckpointMark, Serializable {
    @Override
    public void finalizeCheckpoint() {
      // Offsets are never committed to Kafka (ConsumerSettings).
    }
  }

  /** One reader: partitions appear while it runs, and splits are fixed when the job starts. */
  @Override
  public List<WatchingStreamSource> split(int desiredNumSplits, PipelineOptions options) {
    return List.of(this);
  }

  @Override
  public UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> createReader(
      PipelineOptions options, @Nullable Positions restored) {
    return new WatchingStreamReader(this, restored);
  }

  @Override
  public Coder<Positions> getCheckpointMarkCoder() {
    return SerializableCoder.of(Positions.class);
  }

  @Override
  public Coder<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> getOutputCoder() {
    return PartitionReplay.batchCoder(parser);
  }

  /** The coder of the records once unpacked. */
  Coder<KafkaRecord<byte[], ParsedEvent>> recordCoder() {
    return PartitionReplay.recordCoder(parser);
  }

  /** The consumer configuration of the pool ({@link PooledConsumers}), secrets as references. */
  Map<String, Object> consumerConfig() {
    Map<String, Object> config = new HashMap<>(consumer.kafkaIoUpdates());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, consumer.bootstrapServers());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return config;
  }
}
