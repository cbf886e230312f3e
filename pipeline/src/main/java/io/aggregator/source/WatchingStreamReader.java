package io.aggregator.source;

import io.aggregator.events.ParsedEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * {@link WatchingStreamSource}'s reader: one consumer assigned every partition of the topic,
 * asked for new ones every discovery interval, each partition's records stamped by its own
 * timestamp policy. A poll's records are one element.
 */
final class WatchingStreamReader extends ReplayBatchReader {

  private final WatchingStreamSource source;
  private final Map<Integer, Long> nextOffsets;
  private final Map<Integer, TimestampPolicy<byte[], ParsedEvent>> policies = new HashMap<>();
  private final Map<Integer, Long> restoredWatermarks;
  private @Nullable KafkaConsumer<byte[], byte[]> consumer;
  private long nextDiscoveryMillis;

  WatchingStreamReader(WatchingStreamSource source, WatchingStreamSource.@Nullable Positions restored) {
    this.source = source;
    this.nextOffsets = restored == null ? new HashMap<>() : new HashMap<>(restored.nextOffsets());
    this.restoredWatermarks = restored == null ? Map.of() : restored.watermarks();
  }

  @Override
  public boolean start() {
    consumer = PooledConsumers.acquire(source.consumerConfig(), System.currentTimeMillis());
    return advance();
  }

  @Override
  public boolean advance() {
    long now = System.currentTimeMillis();
    if (now >= nextDiscoveryMillis) {
      discoverPartitions();
      nextDiscoveryMillis = now + source.discoveryMillis;
    }
    if (policies.isEmpty()) {
      return hold(List.of());
    }
    ConsumerRecords<byte[], byte[]> polled = consumer().poll(WatchingStreamSource.POLL);
    List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> next = new ArrayList<>(polled.count());
    for (TopicPartition tp : polled.partitions()) {
      TimestampPolicy<byte[], ParsedEvent> policy = policies.get(tp.partition());
      long nextOffset = -1;
      for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
        ParsedEvent e = source.parser.parse(r.value());
        KafkaRecord<byte[], ParsedEvent> record =
            new KafkaRecord<>(
                r.topic(), r.partition(), r.offset(), r.timestamp(),
                KafkaTimestampType.forOrdinal(r.timestampType().id), r.headers(), r.key(), e);
        // The policy takes no context: EventTimePolicyFactory decides from the record and the clock.
        next.add(TimestampedValue.of(record, policy.getTimestampForRecord(null, record)));
        nextOffset = r.offset() + 1;
      }
      nextOffsets.put(tp.partition(), nextOffset);
    }
    return hold(next);
  }

  /** Assigns the topic's partitions not read yet, keeping the others' positions. */
  private void discoverPartitions() {
    // listTopics asks the broker; partitionsFor answers from the consumer's cached metadata, which
    // a consumer assigned to the topic refreshes only every metadata.max.age.ms (5 minutes).
    List<PartitionInfo> infos =
        consumer().listTopics(java.time.Duration.ofSeconds(30)).get(source.topic);
    List<TopicPartition> found = new ArrayList<>();
    for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
      found.add(new TopicPartition(source.topic, info.partition()));
    }
    if (found.size() == policies.size()) {
      return;
    }
    Map<Integer, Long> positions = new HashMap<>(nextOffsets);
    consumer().assign(found);
    for (TopicPartition tp : found) {
      Long at = positions.get(tp.partition());
      if (at != null) {
        consumer().seek(tp, at); // a known partition goes on where it was
      }
      policies.computeIfAbsent(tp.partition(), p -> {
        Long w = restoredWatermarks.get(p);
        return source.policies.createTimestampPolicy(
            tp, Optional.ofNullable(w).map(Instant::new));
      });
    }
  }

  @Override
  public Instant getWatermark() {
    if (policies.isEmpty()) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
    Instant min = BoundedWindow.TIMESTAMP_MAX_VALUE;
    for (TimestampPolicy<byte[], ParsedEvent> p : policies.values()) {
      Instant w = p.getWatermark(null);
      min = w.isBefore(min) ? w : min;
    }
    return min;
  }

  @Override
  public WatchingStreamSource.Positions getCheckpointMark() {
    Map<Integer, Long> watermarks = new HashMap<>();
    policies.forEach((p, policy) -> watermarks.put(p, policy.getWatermark(null).getMillis()));
    return new WatchingStreamSource.Positions(new HashMap<>(nextOffsets), watermarks);
  }

  @Override
  public UnboundedSource<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>, ?> getCurrentSource() {
    return source;
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(); // back to the pool (PooledConsumers), closed for real when idle
      consumer = null;
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    if (consumer == null) {
      throw new IllegalStateException("start the reader first");
    }
    return consumer;
  }
}
