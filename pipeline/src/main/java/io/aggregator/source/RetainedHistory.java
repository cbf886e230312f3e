package io.aggregator.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What a job starting without state can still read of a topic's history (docs/semantics.md,
 * "Restarts"): each partition's earliest retained offset, and its end offset. Kafka numbers a
 * partition's records from 0, so an earliest offset above 0 means records were deleted (by
 * retention or {@code deleteRecords}); a read that starts at the end skips everything before it.
 */
public final class RetainedHistory {

  /** Earliest retained and end offset, by partition. */
  private final Map<Integer, long[]> offsets;

  RetainedHistory(Map<Integer, long[]> offsets) {
    this.offsets = offsets;
  }

  /** Asks the brokers for every partition's earliest and end offsets. */
  public static RetainedHistory of(ConsumerSettings settings, String topic) {
    Map<String, Object> props = settings.byteConsumer();
    props.remove(ConsumerConfig.GROUP_ID_CONFIG); // looking, not consuming
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
        tps.add(new TopicPartition(topic, info.partition()));
      }
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, Duration.ofSeconds(60));
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(60));
      Map<Integer, long[]> offsets = new TreeMap<>();
      for (TopicPartition tp : tps) {
        offsets.put(tp.partition(), new long[] {begin.get(tp), end.get(tp)});
      }
      return new RetainedHistory(offsets);
    }
  }

  /**
   * The records a read from the start ({@code fromEnd} false) or from the end of each partition
   * does not see, as {@code "partition 0 offsets 0-4999"}; empty when it sees the whole history.
   */
  public List<String> unread(boolean fromEnd) {
    List<String> gaps = new ArrayList<>();
    offsets.forEach((partition, o) -> {
      long start = fromEnd ? o[1] : o[0];
      if (start > 0) {
        gaps.add("partition " + partition + " offsets 0-" + (start - 1)
            + (fromEnd ? " (skipped: startingOffsets=latest)" : " (deleted)"));
      }
    });
    return gaps;
  }
}
