package io.aggregator.sql.nested;

import io.aggregator.options.WriteMethod;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.QueryShape;
import io.aggregator.sql.SqlFile;
import io.aggregator.time.ApplyTriggerPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The for_each_batch stage over several firings, with TestStream: at each snapshot the second
 * query's output equals the second query computed here in plain Java over the complete
 * first-query table at that point (late-but-open data included, dropped data excluded).
 *
 * <p>Each step adds events and lets two batch intervals of processing time pass: the first fires
 * the first query's panes, the second the snapshot those panes started.
 */
public class NestedQueryTest {

  /** Beam's test pipeline: it fails a test whose PAsserts never ran or whose graph was never run. */
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SOURCE =
      Schema.builder()
          .addStringField("item_id")
          .addStringField("interaction_type")
          .addDateTimeField("timestamp")
          .build();
  static final Instant T0 = Instant.parse("2024-10-28T12:00:00Z");
  static final Duration BATCH = Duration.standardSeconds(5);
  static final Duration PAST_BATCH = BATCH.plus(Duration.standardSeconds(1));

  /** One event; every call records it in {@code accepted} unless it is to be dropped. */
  record Event(String item, String type, Instant time) {
    TimestampedValue<Row> value() {
      return TimestampedValue.of(Row.withSchema(SOURCE).addValues(item, type, time).build(), time);
    }
  }

  static Event at(String item, String type, int minute, int second) {
    return new Event(item, type, T0.plus(Duration.standardMinutes(minute)).plus(Duration.standardSeconds(second)));
  }

  static TimestampedValue<Row>[] values(List<Event> events) {
    @SuppressWarnings("unchecked")
    TimestampedValue<Row>[] out = new TimestampedValue[events.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = events.get(i).value();
    }
    return out;
  }

  /** Tags every output row with the index of the snapshot (the pane) it came from. */
  static final class TagWithSnapshotFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, PaneInfo pane, OutputReceiver<String> out) {
      out.output(pane.getIndex() + ": " + row.getValues());
    }
  }

  static PCollection<String> run(
      Pipeline p, TestStream<Row> stream, boolean windowed, String first, String second) {
    QueryShape firstShape = QueryShape.analyze("test.sql", first);
    return p.apply(stream)
        .apply(new ApplyTriggerPolicy(WriteMethod.UPDATE, windowed, BATCH))
        .apply(new ApplySqlQuery(first, SqlFile.SOURCE_TABLE))
        .apply(new ApplyNestedQuery(second, firstShape, BATCH))
        .apply(ParDo.of(new TagWithSnapshotFn()));
  }

  // ---- whole first query: the shipped max_min_per_item.sql --------------------------------

  /** Plain Java: per item, the most and least frequent type (ties: smaller name), with counts. */
  static List<String> maxMinPerItem(int snapshot, List<Event> events) {
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    for (Event e : events) {
      counts.computeIfAbsent(e.item(), k -> new TreeMap<>()).merge(e.type(), 1L, Long::sum);
    }
    List<String> rows = new ArrayList<>();
    counts.forEach(
        (item, perType) -> {
          String most = null;
          String least = null;
          for (Map.Entry<String, Long> t : perType.entrySet()) { // ascending names: first wins ties
            if (most == null || t.getValue() > perType.get(most)) {
              most = t.getKey();
            }
            if (least == null || t.getValue() < perType.get(least)) {
              least = t.getKey();
            }
          }
          rows.add(snapshot + ": " + List.of(item, most, perType.get(most), least, perType.get(least)));
        });
    return rows;
  }

  @Test
  public void wholeFirstQuerySnapshotsEqualTheSecondQueryOverTheCompleteTable() {
    SqlFile file =
        SqlFile.read(Path.of(System.getProperty("user.dir"), "..", "sql_files", "max_min_per_item.sql").toString());
    List<Event> step1 = List.of(at("i-1", "click", 0, 1), at("i-1", "view", 0, 2), at("i-1", "view", 0, 3),
        at("i-2", "like", 0, 4));
    List<Event> step2 = List.of(at("i-1", "click", 1, 0), at("i-2", "click", 1, 1), at("i-2", "view", 1, 2));
    List<Event> step3 = List.of(at("i-1", "click", 2, 0), at("i-3", "view", 2, 1));
    TestStream<Row> stream =
        TestStream.create(SOURCE)
            .advanceWatermarkTo(T0)
            .addElements(step1.get(0).value(), values(step1.subList(1, step1.size())))
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .addElements(step2.get(0).value(), values(step2.subList(1, step2.size())))
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .addElements(step3.get(0).value(), values(step3.subList(1, step3.size())))
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .advanceWatermarkToInfinity();
    PCollection<String> out = run(p, stream, false, file.mainQuery(), file.nestedQuery());

    List<Event> seen = new ArrayList<>(step1);
    List<String> expected = new ArrayList<>(maxMinPerItem(0, seen));
    seen.addAll(step2);
    expected.addAll(maxMinPerItem(1, seen));
    seen.addAll(step3);
    expected.addAll(maxMinPerItem(2, seen));
    // When the input ends, the first query emits its final pane: one more, equal, snapshot.
    expected.addAll(maxMinPerItem(3, seen));
    PAssert.that(out).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }

  // ---- windowed first query: per 5-minute window, the mean of the per-item counts ------------

  static final String PER_ITEM_5M =
      "SELECT item_id, TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,"
          + " COUNT(*) AS c FROM SOURCE GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)";
  static final String MEAN_PER_WINDOW =
      "SELECT window_start, AVG(CAST(c AS DOUBLE)) AS mean_count FROM AGGREGATED GROUP BY window_start";

  /** Plain Java: per window of the accepted events, the mean over items of their counts. */
  static List<String> meanPerWindow(int snapshot, List<Event> accepted) {
    Map<Instant, Map<String, Long>> counts = new TreeMap<>();
    for (Event e : accepted) {
      long start = e.time().getMillis() - e.time().getMillis() % Duration.standardMinutes(5).getMillis();
      counts.computeIfAbsent(new Instant(start), k -> new TreeMap<>()).merge(e.item(), 1L, Long::sum);
    }
    List<String> rows = new ArrayList<>();
    counts.forEach(
        (window, perItem) -> {
          double mean = perItem.values().stream().mapToLong(Long::longValue).average().orElseThrow();
          rows.add(snapshot + ": " + List.of(window.toDateTime(org.joda.time.DateTimeZone.UTC), mean));
        });
    return rows;
  }

  @Test
  public void windowedFirstQuerySnapshotsIncludeLateButOpenDataAndNeverDroppedData() {
    List<Event> step1 = List.of(at("i-1", "click", 1, 0), at("i-1", "click", 2, 0), at("i-2", "click", 3, 0));
    // The watermark is at 12:04 when these arrive: 12:00:30 is behind it but its window is open.
    List<Event> step2 = List.of(at("i-2", "click", 0, 30), at("i-3", "click", 6, 0));
    // The watermark passed 12:05: the 12:04 event is dropped, the 12:07 one counts.
    Event dropped = at("i-1", "click", 4, 0);
    List<Event> step3 = List.of(at("i-3", "click", 7, 0));
    TestStream<Row> stream =
        TestStream.create(SOURCE)
            .advanceWatermarkTo(T0)
            .addElements(step1.get(0).value(), values(step1.subList(1, step1.size())))
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(4)))
            .addElements(step2.get(0).value(), values(step2.subList(1, step2.size())))
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(6)))
            .advanceProcessingTime(PAST_BATCH) // the 12:00 window's on-time pane: a snapshot
            .addElements(dropped.value(), step3.get(0).value())
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .advanceWatermarkToInfinity();
    PCollection<String> out = run(p, stream, true, PER_ITEM_5M, MEAN_PER_WINDOW);

    List<Event> accepted = new ArrayList<>(step1);
    List<String> expected = new ArrayList<>(meanPerWindow(0, accepted));
    accepted.addAll(step2);
    expected.addAll(meanPerWindow(1, accepted));
    // The 12:00 window closes: its on-time pane (same values) makes a snapshot.
    expected.addAll(meanPerWindow(2, accepted));
    accepted.addAll(step3);
    expected.addAll(meanPerWindow(3, accepted));
    // The 12:05 window closes when the input ends: one more snapshot, equal to the one before.
    expected.addAll(meanPerWindow(4, accepted));
    PAssert.that(out).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }
}
