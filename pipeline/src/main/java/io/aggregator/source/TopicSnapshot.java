package io.aggregator.source;

import io.aggregator.events.JsonEventParser;
import io.aggregator.events.ParsedEvent;
import io.aggregator.options.Secrets;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The partitions of a topic as the job starts, and for a bounded replay ({@code --readUntilLatest})
 * the range of offsets to read in each: from the earliest offset to the end offset at start, and
 * the event time at the head of the partitions.
 */
public final class TopicSnapshot implements Serializable {

  /** One partition: where to start (null: the consumer's reset policy) and stop (null: never). */
  public static final class Partition implements Serializable {
    private final String topic;
    private final int partition;
    private final @Nullable Long startOffset;
    private final @Nullable Long stopOffset;

    Partition(String topic, int partition, @Nullable Long startOffset, @Nullable Long stopOffset) {
      this.topic = topic;
      this.partition = partition;
      this.startOffset = startOffset;
      this.stopOffset = stopOffset;
    }

    public TopicPartition topicPartition() {
      return new TopicPartition(topic, partition);
    }

    public @Nullable Long startOffset() {
      return startOffset;
    }

    public @Nullable Long stopOffset() {
      return stopOffset;
    }

    /** A bounded partition with nothing between its start and stop offsets. */
    public boolean isEmpty() {
      return startOffset != null && stopOffset != null && stopOffset <= startOffset;
    }

    /** Messages to read, or -1 when unbounded. */
    public long size() {
      return startOffset != null && stopOffset != null ? Math.max(0, stopOffset - startOffset) : -1;
    }
  }

  /** Messages read at most per partition when looking for its first event. */
  static final int HEAD_PROBE_MESSAGES = 500;

  private final List<Partition> partitions;
  private final @Nullable Long headEventTime;

  private TopicSnapshot(List<Partition> partitions, @Nullable Long headEventTime) {
    this.partitions = Collections.unmodifiableList(partitions);
    this.headEventTime = headEventTime;
  }

  /**
   * For a bounded replay: the earliest event time among the first events of the non-empty
   * partitions, or null if unknown (unbounded, or a partition whose head holds no valid event).
   * Every partition reaches its first event at once, so the watermark may start there; this takes
   * away the one moment where the result of a replay would depend on which partition is read first.
   */
  public @Nullable Long headEventTime() {
    return headEventTime;
  }

  public List<Partition> partitions() {
    return partitions;
  }

  /** Messages a bounded replay reads in all, or -1 when unbounded. */
  public long totalMessages() {
    long total = 0;
    for (Partition p : partitions) {
      if (p.size() < 0) {
        return -1;
      }
      total += p.size();
    }
    return total;
  }

  private static @Nullable Long firstEventTime(
      KafkaConsumer<byte[], byte[]> consumer, Partition p, JsonEventParser parser) {
    TopicPartition tp = p.topicPartition();
    consumer.assign(List.of(tp));
    consumer.seek(tp, p.startOffset());
    long deadline = System.currentTimeMillis() + 10_000;
    int seen = 0;
    while (seen < HEAD_PROBE_MESSAGES && System.currentTimeMillis() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        ParsedEvent e = parser.parse(r.value());
        if (e.isEvent()) {
          return e.eventTimeMillis();
        }
        if (++seen >= HEAD_PROBE_MESSAGES || r.offset() + 1 >= p.stopOffset()) {
          return null;
        }
      }
    }
    return null;
  }

  /**
   * Asks the brokers for the topic's partitions and, when {@code bounded}, each partition's
   * earliest and end offsets.
   *
   * @throws IllegalStateException naming the topic and servers if the topic cannot be described
   */
  public static TopicSnapshot take(
      ConsumerSettings consumerSettings,
      String topic,
      boolean bounded,
      JsonEventParser parser) {
    String bootstrapServers = consumerSettings.bootstrapServers();
    Map<String, Object> props = consumerSettings.byteConsumer();
    props.remove(ConsumerConfig.GROUP_ID_CONFIG); // looking, not consuming
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException(
            "Kafka topic '" + topic + "' does not exist on " + bootstrapServers
                + " (--topic, --bootstrapServers)");
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo info : infos) {
        tps.add(new TopicPartition(topic, info.partition()));
      }
      tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
      List<Partition> partitions = new ArrayList<>();
      if (!bounded) {
        for (TopicPartition tp : tps) {
          partitions.add(new Partition(topic, tp.partition(), null, null));
        }
        return new TopicSnapshot(partitions, null);
      }
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, Duration.ofSeconds(60));
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(60));
      Long head = null;
      boolean everyHeadKnown = true;
      for (TopicPartition tp : tps) {
        Partition p = new Partition(topic, tp.partition(), begin.get(tp), end.get(tp));
        partitions.add(p);
        if (!p.isEmpty()) {
          Long t = firstEventTime(consumer, p, parser);
          if (t == null) {
            everyHeadKnown = false;
          } else {
            head = head == null ? t : Math.min(head, t);
          }
        }
      }
      return new TopicSnapshot(partitions, everyHeadKnown ? head : null);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " did not answer for topic '" + topic
              + "' within 60 s (--bootstrapServers): " + e.getMessage());
    } catch (AuthenticationException e) {
      // SASL credentials or a TLS handshake refused; Kafka's message names neither secret.
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " refused the job's credentials (--kafkaConf"
              + " security.protocol, sasl.*, ssl.*): " + Secrets.mask(e.getMessage()));
    } catch (AuthorizationException e) {
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " does not allow the job's user to read topic '"
              + topic + "': " + Secrets.mask(e.getMessage()));
    }
  }
}
