package io.aggregator.source;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.JsonField;
import io.aggregator.events.ParsedEvent;
import io.aggregator.generator.EventGenerator;
import io.aggregator.time.EventTimePolicyFactory;
import io.aggregator.time.LateEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.beam.sdk.io.UnboundedSource.UnboundedReader;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The DirectRunner's unbounded read against a real broker: one reader over every partition,
 * which hands on every message once, in batches, stamps the events its partition's watermark has
 * closed with the minimum timestamp, finds a partition added while it reads, and, started again
 * from its checkpoint mark, goes on where it stopped (docs/semantics.md, "Partitions",
 * "Lateness").
 */
public class WatchingStreamSourceIT {

  private static final long MINUTE = 60_000L;
  private static final Duration LAG = Duration.standardMinutes(1);
  /** Event minutes of partition 0 in order; several are late by then. */
  private static final int[] MINUTES = {0, 1, 2, 7, 3, 8, 12, 6, 11, 13, 4, 14, 20, 16, 9, 21};
  private static final long BASE = Instant.parse("2026-01-01T00:00:00Z").getMillis();
  private static final long TIMEOUT_MILLIS = 30_000L;
  private static final Duration DISCOVERY = Duration.millis(200);

  private static EmbeddedKafka kafka;

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void readsEveryPartitionOnceAndStampsTheLateEvents() throws Exception {
    String topic = "stream-late";
    kafka.createTopic(topic, 2);
    for (int m : MINUTES) {
      send(topic, 0, m);
    }
    send(topic, 1, 100); // far ahead: another partition's events never make partition 0's late
    WatchingStreamSource source = source(topic);
    try (UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader = reader(source, null)) {
      Map<Integer, List<String>> read = readUntil(reader, reader.start(), MINUTES.length + 1);
      assertEquals(expectedLateMarks(), read.get(0));
      assertEquals(List.of("0"), read.get(1));
      // Partition 0's watermark (its largest event time, minute 21, minus the lag) is the lower.
      assertEquals(new Instant(BASE + 20 * MINUTE), reader.getWatermark());
    }
  }

  @Test
  public void findsAPartitionAddedWhileItReadsAndResumesFromItsMark() throws Exception {
    String topic = "stream-grows";
    kafka.createTopic(topic, 1);
    send(topic, 0, 0);
    send(topic, 0, 1);
    WatchingStreamSource source = source(topic);
    byte[] mark;
    try (UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader = reader(source, null)) {
      assertEquals(Map.of(0, List.of("0", "1")), readUntil(reader, reader.start(), 2));
      kafka.addPartitions(topic, 2);
      send(topic, 1, 2);
      assertEquals("the new partition is read from its first offset",
          Map.of(1, List.of("0")), readUntil(reader, reader.advance(), 1));
      mark = encode(source, (WatchingStreamSource.Positions) reader.getCheckpointMark());
    }
    send(topic, 0, 3);
    send(topic, 1, 4);
    WatchingStreamSource.Positions restored =
        source.getCheckpointMarkCoder().decode(new ByteArrayInputStream(mark));
    try (UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader = reader(source, restored)) {
      assertEquals("a reader from the mark reads only what came after it",
          Map.of(0, List.of("2"), 1, List.of("1")), readUntil(reader, reader.start(), 2));
    }
  }

  /** Partition 0's offsets, each marked " late" when its window closed before it came. */
  private static List<String> expectedLateMarks() {
    List<String> records = new ArrayList<>();
    long max = Long.MIN_VALUE;
    for (int i = 0; i < MINUTES.length; i++) {
      long windowEnd = BASE + (MINUTES[i] / 5 + 1) * 5 * MINUTE;
      if (max != Long.MIN_VALUE && windowEnd <= max - LAG.getMillis()) {
        records.add(i + " late");
        continue;
      }
      max = Math.max(max, BASE + MINUTES[i] * MINUTE);
      records.add(String.valueOf(i));
    }
    return records;
  }

  private static WatchingStreamSource source(String topic) {
    EventTimePolicyFactory policies =
        new EventTimePolicyFactory(
            UUID.randomUUID().toString(), LAG,
            LateEvents.tumbling(Duration.standardMinutes(5), Duration.ZERO, LAG), Duration.ZERO);
    ConsumerSettings settings =
        ConsumerSettings.of(kafka.bootstrapServers(), "stream-source-test", Map.of("fetch.max.wait.ms", "20"));
    JsonEventParser parser =
        new JsonEventParser(List.of(JsonField.parse("id=$.id"), JsonField.parse("timestamp=$.timestamp")));
    return new WatchingStreamSource(settings, topic, parser, policies, DISCOVERY);
  }

  /**
   * Reads batches until {@code count} records were read, {@code current} first: each partition's
   * offsets in order, marked when the source stamped the event late.
   */
  private static Map<Integer, List<String>> readUntil(
      UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader, boolean current, int count)
      throws Exception {
    Map<Integer, List<String>> read = new TreeMap<>();
    long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    int n = 0;
    for (boolean available = current; n < count; available = reader.advance()) {
      if (available) {
        for (TimestampedValue<KafkaRecord<byte[], ParsedEvent>> r : reader.getCurrent()) {
          boolean late = r.getTimestamp().equals(BoundedWindow.TIMESTAMP_MIN_VALUE);
          read.computeIfAbsent(r.getValue().getPartition(), p -> new ArrayList<>())
              .add(r.getValue().getOffset() + (late ? " late" : ""));
          n++;
        }
      }
      assertTrue("read " + n + " of " + count + " within " + TIMEOUT_MILLIS + " ms: " + read,
          n >= count || System.currentTimeMillis() < deadline);
    }
    return read;
  }

  private static UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader(
      WatchingStreamSource s, WatchingStreamSource.Positions from) {
    return s.createReader(PipelineOptionsFactory.create(), from);
  }

  private static void send(String topic, int partition, int minute) throws Exception {
    String json = "{\"id\":\"e" + minute + "\",\"timestamp\":\"" + new Instant(BASE + minute * MINUTE) + "\"}";
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
      producer.send(new ProducerRecord<>(topic, partition, null, json.getBytes(StandardCharsets.UTF_8))).get();
    }
  }

  private static byte[] encode(WatchingStreamSource s, WatchingStreamSource.Positions p) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.getCheckpointMarkCoder().encode(p, out);
    return out.toByteArray();
  }
}
