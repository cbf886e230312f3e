package io.aggregator.time;

import io.aggregator.options.WriteMethod;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.SqlFile;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The trigger policy through Beam SQL, with TestStream: which panes each write method emits for
 * on-time, early, late-but-open and droppable events. The watermark is driven by the test as the
 * source would drive it (largest event time seen minus the threshold).
 */
public class TriggerPolicyTest {

  /** Beam's test pipeline: it fails a test whose PAsserts never ran or whose graph was never run. */
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SOURCE = Schema.builder().addStringField("item_id").addDateTimeField("timestamp").build();
  static final Schema RESULT = Schema.builder().addStringField("item_id")
      .addDateTimeField("window_start").addInt64Field("c").build();
  static final String QUERY = "SELECT item_id, TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,"
      + " COUNT(*) AS c FROM SOURCE GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)";
  static final Instant T0 = Instant.parse("2024-10-28T12:00:00Z");
  public static final IntervalWindow W0 = new IntervalWindow(T0, Duration.standardMinutes(5));
  static final Duration BATCH = Duration.standardSeconds(5);

  static TimestampedValue<Row> event(String item, Duration offset) {
    Instant t = T0.plus(offset);
    return TimestampedValue.of(Row.withSchema(SOURCE).addValues(item, t).build(), t);
  }

  public static Row result(long count) {
    return Row.withSchema(RESULT).addValues("i-1", T0, count).build();
  }

  /**
   * Two events, a batch interval passes (early pane: 2), a late-but-open event (the watermark is
   * behind the window end), the watermark passes the window end (on-time pane: 3), then an event
   * for the closed window arrives and is dropped.
   */
  static TestStream<Row> stream() {
    return TestStream.create(SOURCE)
        .advanceWatermarkTo(T0)
        .addElements(event("i-1", Duration.standardMinutes(1)), event("i-1", Duration.standardMinutes(2)))
        .advanceProcessingTime(BATCH.plus(Duration.standardSeconds(1)))
        .advanceWatermarkTo(T0.plus(Duration.standardMinutes(3)))
        .addElements(event("i-1", Duration.standardSeconds(30))) // behind the watermark, window open
        .advanceWatermarkTo(T0.plus(Duration.standardMinutes(6)))
        .addElements(event("i-1", Duration.standardMinutes(4))) // window closed: droppable
        .advanceWatermarkToInfinity();
  }

  public static PCollection<Row> apply(Pipeline p, WriteMethod method) {
    return p.apply(stream())
        .apply(new ApplyTriggerPolicy(method, true, BATCH))
        .apply(new ApplySqlQuery(QUERY, SqlFile.SOURCE_TABLE));
  }

  @Test
  public void updateEmitsEarlyThenOnTimeAndDropsTheClosedWindowsEvent() {
    PCollection<Row> out = apply(p, WriteMethod.UPDATE);
    PAssert.that(out).inEarlyPane(W0).containsInAnyOrder(result(2));
    PAssert.that(out).inOnTimePane(W0).containsInAnyOrder(result(3));
    PAssert.that(out).inFinalPane(W0).containsInAnyOrder(result(3));
    p.run().waitUntilFinish();
  }

  @Test
  public void completeAccumulatesLikeUpdate() {
    PCollection<Row> out = apply(p, WriteMethod.COMPLETE);
    PAssert.that(out).inWindow(W0).containsInAnyOrder(result(2), result(3));
    p.run().waitUntilFinish();
  }

  @Test
  public void appendEmitsOnceWhenTheWindowCloses() {
    PCollection<Row> out = apply(p, WriteMethod.APPEND);
    PAssert.that(out).inWindow(W0).containsInAnyOrder(result(3));
    PAssert.that(out).inOnTimePane(W0).containsInAnyOrder(result(3));
    p.run().waitUntilFinish();
  }

  /** Without a window: every batch interval the changed groups; nothing is ever late. */
  @Test
  public void wholeQueriesEmitEveryBatchAndNeverDrop() {
    Schema whole = Schema.builder().addStringField("item_id").addInt64Field("c").build();
    PCollection<Row> out = p.apply(stream())
        .apply(new ApplyTriggerPolicy(WriteMethod.UPDATE, false, BATCH))
        .apply(new ApplySqlQuery("SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id", SqlFile.SOURCE_TABLE));
    PAssert.that(out).containsInAnyOrder(
        Row.withSchema(whole).addValues("i-1", 2L).build(),
        Row.withSchema(whole).addValues("i-1", 4L).build());
    p.run().waitUntilFinish();
  }
}
