package io.aggregator.source;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import io.aggregator.events.EventTags;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.JsonField;
import io.aggregator.events.ParsedEvent;
import io.aggregator.events.ParsedEventCoder;
import io.aggregator.events.RejectWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/**
 * The read's split: events to its first output; rejects to its second or, where the runner makes a
 * second output costly (Spark's replays), to a {@link RejectWriter}, each flushed before its
 * bundle ends, the step then having one output.
 */
public class SplitEventsAndRejectsTest {

  static final JsonEventParser PARSER =
      new JsonEventParser(List.of(JsonField.parse("id=$.id"), JsonField.parse("timestamp=$.timestamp")));

  static final List<String> MESSAGES = List.of(
      "{\"id\":\"a\",\"timestamp\":\"2026-01-01T00:00:00Z\"}",
      "not json",
      "{\"id\":\"b\",\"timestamp\":\"2026-01-01T00:00:01Z\"}",
      "{\"id\":\"c\"}",
      "{\"id\":\"d\",\"timestamp\":\"2026-01-01T00:00:02Z\"}");

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** What each test's writer received, and what was still unflushed when its sessions closed. */
  static final Map<String, Set<String>> WRITTEN = new ConcurrentHashMap<>();
  static final Map<String, Set<String>> FLUSHED = new ConcurrentHashMap<>();

  /** Records reject positions; a position counts as flushed only once flush() was called after it. */
  static final class RecordingWriter implements RejectWriter {
    final String test;

    RecordingWriter(String test) {
      this.test = test;
    }

    @Override
    public Session open() {
      List<String> held = new ArrayList<>();
      return new Session() {
        @Override
        public void write(Row reject) {
          String at = reject.getString("reason") + "@" + reject.getInt64("offset");
          WRITTEN.computeIfAbsent(test, t -> ConcurrentHashMap.newKeySet()).add(at);
          held.add(at);
        }

        @Override
        public void flush() {
          FLUSHED.computeIfAbsent(test, t -> ConcurrentHashMap.newKeySet()).addAll(held);
          held.clear();
        }

        @Override
        public void close() {}
      };
    }
  }

  static List<KafkaRecord<byte[], ParsedEvent>> records() {
    List<KafkaRecord<byte[], ParsedEvent>> records = new ArrayList<>();
    for (int offset = 0; offset < MESSAGES.size(); offset++) {
      byte[] value = MESSAGES.get(offset).getBytes(StandardCharsets.UTF_8);
      records.add(new KafkaRecord<>("t", 0, offset, 0L, KafkaTimestampType.CREATE_TIME, null,
          null, PARSER.parse(value)));
    }
    return records;
  }

  /** The reasons and offsets of the messages that are not events, worked out without the step. */
  static Set<String> expectedRejects() {
    Set<String> rejects = new TreeSet<>();
    for (int offset = 0; offset < MESSAGES.size(); offset++) {
      ParsedEvent e = PARSER.parse(MESSAGES.get(offset).getBytes(StandardCharsets.UTF_8));
      if (!e.isEvent()) {
        rejects.add(e.reason().name() + "@" + offset);
      }
    }
    return rejects;
  }

  PCollectionTuple split(RejectWriter writer) {
    return pipeline
        .apply(Create.of(records())
            .withCoder(KafkaRecordCoder.of(
                NullableCoder.of(ByteArrayCoder.of()), ParsedEventCoder.of(PARSER.schema()))))
        .apply(ReadKafkaEvents.splitEventsAndRejects(writer));
  }

  @Test
  public void rejectsAreTheSecondOutputWithoutAWriter() {
    PCollectionTuple out = split(null);
    PAssert.that(out.get(EventTags.EVENTS).setRowSchema(PARSER.schema())
            .apply("EventIds", MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("id"))))
        .containsInAnyOrder("a", "b", "d");
    PAssert.that(out.get(EventTags.REJECTS).setRowSchema(EventTags.REJECT_SCHEMA)
            .apply("RejectPositions", MapElements.into(TypeDescriptors.strings())
                .via(r -> r.getString("reason") + "@" + r.getInt64("offset"))))
        .containsInAnyOrder(expectedRejects());
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void withAWriterEveryRejectIsFlushedAndTheStepHasOneOutput() {
    String test = UUID.randomUUID().toString();
    PCollectionTuple out = split(new RecordingWriter(test));
    assertFalse("the rejects' output exists", out.has(EventTags.REJECTS));
    assertEquals(1, out.getAll().size());
    PAssert.that(out.get(EventTags.EVENTS).setRowSchema(PARSER.schema())
            .apply("EventIds", MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("id"))))
        .containsInAnyOrder("a", "b", "d");
    pipeline.run().waitUntilFinish();

    assertEquals("messages that are not events", 2, expectedRejects().size());
    assertEquals(expectedRejects(), new TreeSet<>(WRITTEN.get(test)));
    assertEquals(expectedRejects(), new TreeSet<>(FLUSHED.get(test)));
  }
}
