package io.aggregator.source;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.JsonField;
import io.aggregator.events.ParsedEvent;
import io.aggregator.generator.EventGenerator;
import io.aggregator.time.LateEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.UnboundedSource;
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
 * Both replay sources against a real broker: they hand on a poll's records in one batch and
 * decide the same late events by the partition's own order, marking them with the minimum
 * timestamp for the step after them; and the checkpointed one, stopped after any message and
 * started again from its checkpoint mark, goes on exactly as if it had never stopped, its late
 * rule and watermark included (docs/semantics.md, "Lateness", "Restarts").
 */
public class ReplaySourcesIT {

  private static final String TOPIC = "replay";
  private static final long MINUTE = 60_000L;
  private static final Duration WINDOW = Duration.standardMinutes(5);
  private static final Duration LAG = Duration.standardMinutes(1);
  /** Event minutes in partition order; -1 is a malformed message. Several are late by then. */
  private static final int[] MINUTES = {0, 1, 2, 7, 3, 8, 12, 6, -1, 11, 13, 4, 14, 20, 16, 9, 21};
  private static final long BASE = Instant.parse("2026-01-01T00:00:00Z").getMillis();
  private static final long TIMEOUT_MILLIS = 30_000L;
  private static final String LATE = " late";

  private static EmbeddedKafka kafka;

  @BeforeClass
  public static void startKafkaAndLoad() throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopic(TOPIC, 1);
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < MINUTES.length; i++) {
        String json = MINUTES[i] < 0
            ? "{not json"
            : "{\"id\":\"e" + i + "\",\"timestamp\":\"" + new Instant(BASE + MINUTES[i] * MINUTE) + "\"}";
        producer.send(new ProducerRecord<>(TOPIC, 0, null, json.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** What a replay hands on, worked out here: each offset, marked when its event is late. */
  private static List<String> expectedRecords() {
    List<String> records = new ArrayList<>();
    long max = Long.MIN_VALUE;
    for (int i = 0; i < MINUTES.length; i++) {
      if (MINUTES[i] >= 0) {
        long t = BASE + MINUTES[i] * MINUTE;
        long windowEnd = BASE + (MINUTES[i] / 5 + 1) * 5 * MINUTE;
        if (max != Long.MIN_VALUE && windowEnd <= max - LAG.getMillis()) {
          records.add(i + LATE); // its window closed when the partition's watermark passed its end
          continue;
        }
        max = Math.max(max, t);
      }
      records.add(String.valueOf(i));
    }
    return records;
  }

  private static TopicSnapshot.Partition partition() {
    return new TopicSnapshot.Partition(TOPIC, 0, 0L, (long) MINUTES.length);
  }

  /** @param recordsPerPoll the consumer's {@code max.poll.records}: a batch holds one poll at most */
  private static ResumableReplaySource resumable(int recordsPerPoll) {
    return new ResumableReplaySource(
        settings(recordsPerPoll), List.of(partition()), parser(), lateEvents(), Long.MIN_VALUE, LAG,
        TIMEOUT_MILLIS);
  }

  private static ConsumerSettings settings(int recordsPerPoll) {
    // Short fetch waits: the test starts 30 readers, each of whose first poll would wait for more.
    return ConsumerSettings.of(kafka.bootstrapServers(), "replay-sources-test",
        Map.of("fetch.max.wait.ms", "20", "max.poll.records", String.valueOf(recordsPerPoll)));
  }

  private static JsonEventParser parser() {
    return new JsonEventParser(List.of(JsonField.parse("id=$.id"), JsonField.parse("timestamp=$.timestamp")));
  }

  private static LateEvents lateEvents() {
    return LateEvents.tumbling(WINDOW, Duration.ZERO, LAG);
  }

  @Test
  public void bothSourcesHandOnEveryMessageInBatchesMarkingTheLateEvents() throws Exception {
    List<String> expected = expectedRecords();
    assertTrue("the fixture has late events",
        expected.stream().filter(r -> !r.endsWith(LATE)).count() < MINUTES.length - 2);

    KafkaReplaySource bounded =
        new KafkaReplaySource(settings(500), List.of(partition()), parser(), lateEvents(), TIMEOUT_MILLIS);
    List<String> read = new ArrayList<>();
    List<Integer> boundedBatches = new ArrayList<>();
    try (BoundedSource.BoundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader =
        bounded.createReader(PipelineOptionsFactory.create())) {
      for (boolean more = reader.start(); more; more = reader.advance()) {
        read.addAll(offsets(reader.getCurrent(), boundedBatches));
      }
    }
    assertEquals("the bounded source", expected, read);
    assertTrue("records come in batches: " + boundedBatches, boundedBatches.stream().anyMatch(n -> n > 1));

    try (UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader = unboundedReader(resumable(500), null)) {
      List<Integer> batchSizes = new ArrayList<>();
      assertEquals(expected, readUntilDone(reader, reader.start(), Integer.MAX_VALUE, batchSizes));
      assertEquals("done: the watermark ends the job", BoundedWindow.TIMESTAMP_MAX_VALUE, reader.getWatermark());
      assertTrue("records come in batches: " + batchSizes, batchSizes.stream().anyMatch(n -> n > 1));
    }
  }

  @Test
  public void stoppedAfterAnyMessageAndResumedFromItsMarkItGoesOnAsIfNeverStopped() throws Exception {
    List<String> expected = expectedRecords();
    ResumableReplaySource source = resumable(1); // one record per batch: it can stop after any
    for (int stopAfter = 1; stopAfter < expected.size(); stopAfter++) {
      List<String> read;
      byte[] mark;
      Instant watermark;
      try (UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> first = unboundedReader(source, null)) {
        read = readUntilDone(first, first.start(), stopAfter, new ArrayList<>());
        watermark = first.getWatermark();
        mark = encode(source.getCheckpointMarkCoder(), (ResumableReplaySource.Position) first.getCheckpointMark());
      }
      assertFalse("stopped before the end", watermark.equals(BoundedWindow.TIMESTAMP_MAX_VALUE));
      ResumableReplaySource.Position restored = decode(source.getCheckpointMarkCoder(), mark);
      try (UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> second = unboundedReader(source, restored)) {
        assertEquals("the watermark comes back with the mark", watermark, second.getWatermark());
        read.addAll(readUntilDone(second, second.start(), Integer.MAX_VALUE, new ArrayList<>()));
      }
      assertEquals("stopped after " + stopAfter + " messages", expected, read);
    }
  }

  /**
   * Reads batches until the reader is done or at least {@code limit} records were read, {@code
   * current} first; each record as its offset, marked when the source stamped it late.
   */
  private static List<String> readUntilDone(
      UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> reader, boolean current, int limit, List<Integer> batchSizes)
      throws Exception {
    List<String> offsets = new ArrayList<>();
    long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    boolean available = current;
    while (offsets.size() < limit) {
      if (available) {
        offsets.addAll(offsets(reader.getCurrent(), batchSizes));
        if (offsets.size() >= limit) {
          break;
        }
      } else if (reader.getWatermark().equals(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
        break;
      }
      assertTrue("the replay ends within " + TIMEOUT_MILLIS + " ms", System.currentTimeMillis() < deadline);
      available = reader.advance();
    }
    return offsets;
  }

  /** Each record of {@code batch} as its offset, marked when the source stamped it late. */
  private static List<String> offsets(
      List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>> batch, List<Integer> batchSizes) {
    batchSizes.add(batch.size());
    List<String> offsets = new ArrayList<>();
    for (TimestampedValue<KafkaRecord<byte[], ParsedEvent>> r : batch) {
      boolean late = r.getValue().getKV().getValue().isEvent()
          && r.getTimestamp().equals(BoundedWindow.TIMESTAMP_MIN_VALUE);
      offsets.add(r.getValue().getOffset() + (late ? LATE : ""));
    }
    return offsets;
  }

  private static UnboundedSource.UnboundedReader<List<TimestampedValue<KafkaRecord<byte[], ParsedEvent>>>> unboundedReader(
      ResumableReplaySource s, ResumableReplaySource.Position from) {
    return s.createReader(PipelineOptionsFactory.create(), from);
  }

  private static <T> byte[] encode(Coder<T> coder, T value) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    coder.encode(value, out);
    return out.toByteArray();
  }

  private static <T> T decode(Coder<T> coder, byte[] bytes) throws Exception {
    return coder.decode(new ByteArrayInputStream(bytes));
  }
}
