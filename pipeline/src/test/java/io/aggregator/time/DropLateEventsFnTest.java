package io.aggregator.time;

import io.aggregator.events.ParsedEvent;
import io.aggregator.events.RejectReason;
import io.aggregator.events.ParsedEventCoder;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;

/**
 * Late events are dropped per partition, in the partition's order, whatever the bundling: the
 * rule is the watermark's (largest event time read before, minus the threshold, past the end of
 * the event's window), and one partition's progress never drops another's events.
 */
public class DropLateEventsFnTest {

  /** Beam's test pipeline: it fails a test whose PAsserts never ran or whose graph was never run. */
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SCHEMA = Schema.builder().addStringField("id").build();
  static final long MINUTE = 60_000L;
  static final Duration WINDOW = Duration.standardMinutes(5);
  static final Duration LAG = Duration.standardMinutes(10);

  static KV<String, KafkaRecord<byte[], ParsedEvent>> event(int partition, long offset, String id, long minute) {
    ParsedEvent e = ParsedEvent.event(Row.withSchema(SCHEMA).addValue(id).build(), minute * MINUTE);
    return KV.of("t/" + partition,
        new KafkaRecord<>("t", partition, offset, 0L, KafkaTimestampType.NO_TIMESTAMP_TYPE, null, null, e));
  }

  @Test
  public void dropsWhatItsOwnPartitionsWatermarkHasClosedAndNothingElse() {
    List<KV<String, KafkaRecord<byte[], ParsedEvent>>> in = new ArrayList<>();
    // Partition 0 reaches minute 30: its watermark is 20, so windows ending at or before 20 close.
    in.add(event(0, 0, "p0-on-time", 0));
    in.add(event(0, 1, "p0-max", 30));
    in.add(event(0, 2, "p0-late", 14));        // window [10, 15): 15 <= 20, dropped
    in.add(event(0, 3, "p0-window-open", 16));  // window [15, 20): 20 <= 20, dropped too
    in.add(event(0, 4, "p0-open", 21));         // window [20, 25): open
    // Partition 1 is behind: minute 14 is on time there.
    in.add(event(1, 0, "p1-on-time", 14));
    ParsedEvent reject = ParsedEvent.reject(RejectReason.MALFORMED_JSON, "x", new byte[] {1});
    in.add(KV.of("t/0", new KafkaRecord<>("t", 0, 5, 0L, KafkaTimestampType.NO_TIMESTAMP_TYPE, null, null, reject)));

    KafkaRecordCoder<byte[], ParsedEvent> recordCoder =
        KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), ParsedEventCoder.of(SCHEMA));
    // TestStream delivers each element as its own step, in order: a partition's order is the
    // input of the rule, so the test fixes it.
    TestStream.Builder<KV<String, KafkaRecord<byte[], ParsedEvent>>> stream =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), recordCoder));
    for (KV<String, KafkaRecord<byte[], ParsedEvent>> kv : in) {
      stream = stream.addElements(kv);
    }
    PCollection<String> kept =
        p.apply(stream.advanceWatermarkToInfinity())
            .apply(ParDo.of(new DropLateEventsFn(LateEvents.tumbling(WINDOW, Duration.ZERO, LAG))))
            .setCoder(recordCoder)
            .apply(MapElements.into(TypeDescriptors.strings()).via(r -> {
              ParsedEvent e = r.getKV().getValue();
              return e.isEvent() ? e.row().getString("id") : "reject";
            }));
    PAssert.that(kept).containsInAnyOrder("p0-on-time", "p0-max", "p0-open", "p1-on-time", "reject");
    p.run().waitUntilFinish();
  }
}
