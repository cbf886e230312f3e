package io.aggregator.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The raw limit no pipeline can beat: one plain KafkaConsumer reads every message of the topic
 * and parses each value with Jackson's streaming parser, the timestamp with {@link Instant#parse};
 * no pipeline, no aggregation, no output. Run in a process of its own, like the jobs, and timed
 * the same way (whole process).
 *
 * <p>{@code RawConsumerBaseline --bootstrapServers=h:p --topic=t}; prints {@code raw: N events, X s}.
 */
public final class RawConsumerBaseline {

  private RawConsumerBaseline() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = ThroughputBenchmark.options(args);
    String servers = options.get("bootstrapServers");
    String topic = options.get("topic");
    long start = System.nanoTime();
    JsonFactory json = new JsonFactory();
    long events = 0;
    long checksum = 0; // keeps the parsed values alive, so that nothing is optimised away
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long total = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
      long seen = 0;
      while (seen < total) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          seen++;
          long t = parse(json, r.value());
          if (t != Long.MIN_VALUE) {
            events++;
            checksum += t;
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "raw: %d events, %.3f s (checksum %d)%n", events, seconds, checksum);
  }

  /** The event time of one message, every field read; MIN_VALUE when it has none. */
  static long parse(JsonFactory json, byte[] value) throws IOException {
    long time = Long.MIN_VALUE;
    int fields = 0;
    try (JsonParser p = json.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Long.MIN_VALUE;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (name.equals("timestamp")) {
          time = Instant.parse(p.getText()).toEpochMilli();
        } else {
          fields += p.getText().length();
        }
      }
    }
    return fields >= 0 ? time : Long.MIN_VALUE;
  }
}
