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

import static org.junit.Assert.assertEquals;

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

  /**
   * Each step's events, then two batch intervals of processing time (the first fires the first
   * query's panes, the second the snapshot they started), the watermark held at T0; then the end.
   */
  @SafeVarargs
  static TestStream<Row> inSteps(List<Event>... steps) {
    TestStream.Builder<Row> stream = TestStream.create(SOURCE).advanceWatermarkTo(T0);
    for (List<Event> step : steps) {
      stream = stream.addElements(step.get(0).value(), values(step.subList(1, step.size())))
          .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH);
    }
    return stream.advanceWatermarkToInfinity();
  }

  /** Tags every output row with the index of the snapshot (the pane) it came from. */
  static final class TagWithSnapshotFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, PaneInfo pane, OutputReceiver<String> out) {
      out.output(pane.getIndex() + ": " + row.getValues());
    }
  }

  static final Duration RETENTION = Duration.standardMinutes(10);

  static PCollection<String> run(
      Pipeline p, TestStream<Row> stream, boolean windowed, String first, String second) {
    QueryShape firstShape = QueryShape.analyze("test.sql", first);
    ApplyTriggerPolicy triggers = new ApplyTriggerPolicy(WriteMethod.UPDATE, windowed, BATCH);
    return p.apply(stream)
        .apply(triggers)
        .apply(new ApplySqlQuery(first, SqlFile.SOURCE_TABLE))
        .apply(new ApplyNestedQuery(second, firstShape, BATCH, triggers.trigger(), RETENTION))
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
    TestStream<Row> stream = inSteps(step1, step2, step3);
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

  /** Plain Java: per item and window start, the count of the accepted events. */
  static Map<Instant, Map<String, Long>> countsPerWindow(List<Event> accepted) {
    Map<Instant, Map<String, Long>> counts = new TreeMap<>();
    for (Event e : accepted) {
      long start = e.time().getMillis() - e.time().getMillis() % FIVE_MINUTES.getMillis();
      counts.computeIfAbsent(new Instant(start), k -> new TreeMap<>()).merge(e.item(), 1L, Long::sum);
    }
    return counts;
  }

  static final Duration FIVE_MINUTES = Duration.standardMinutes(5);

  /** Plain Java: the mean over items of their counts in the window starting at {@code minute}. */
  static String meanOfWindow(int pane, List<Event> accepted, int minute) {
    Instant window = T0.plus(Duration.standardMinutes(minute));
    Map<String, Long> perItem = countsPerWindow(accepted).get(window);
    double mean = perItem.values().stream().mapToLong(Long::longValue).average().orElseThrow();
    return pane + ": " + List.of(window.toDateTime(org.joda.time.DateTimeZone.UTC), mean);
  }

  /**
   * A second query grouped by window is evaluated per window: each snapshot holds one window's
   * rows, the pane index counts that window's snapshots, and a closed window's final snapshot is
   * its last (its rows leave with it: no later snapshot repeats it).
   */
  @Test
  public void perWindowSecondQueryIsEvaluatedPerWindowAndEndsWithTheWindow() {
    assertEquals(TableScope.PER_WINDOW,
        TableScope.of(MEAN_PER_WINDOW, QueryShape.analyze("test.sql", PER_ITEM_5M)));
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
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(6))) // 12:00 closes
            .addElements(dropped.value(), step3.get(0).value())
            .advanceProcessingTime(PAST_BATCH).advanceProcessingTime(PAST_BATCH)
            .advanceWatermarkToInfinity();
    PCollection<String> out = run(p, stream, true, PER_ITEM_5M, MEAN_PER_WINDOW);

    List<Event> accepted = new ArrayList<>(step1);
    List<String> expected = new ArrayList<>(List.of(meanOfWindow(0, accepted, 0)));
    accepted.addAll(step2);
    expected.add(meanOfWindow(1, accepted, 0));
    expected.add(meanOfWindow(0, accepted, 5));
    // The 12:00 window closes: its on-time (final) snapshot, with the values it had.
    expected.add(meanOfWindow(2, accepted, 0));
    accepted.addAll(step3);
    expected.add(meanOfWindow(1, accepted, 5));
    // The 12:05 window closes when the input ends.
    expected.add(meanOfWindow(2, accepted, 5));
    PAssert.that(out).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }

  // ---- a second query across windows: the table keeps the windows within the retention ------

  static final String ACROSS =
      "SELECT COUNT(*) AS item_windows, SUM(c) AS events FROM AGGREGATED";

  /**
   * Plain Java: over the (item, window) counts of windows that end less than {@link #RETENTION}
   * before the newest window end seen so far, the number of rows and their sum.
   */
  static String acrossWindows(int snapshot, List<Event> accepted, Instant newestEnd) {
    long rows = 0;
    long events = 0;
    for (Map.Entry<Instant, Map<String, Long>> w : countsPerWindow(accepted).entrySet()) {
      Instant end = w.getKey().plus(FIVE_MINUTES);
      if (end.isAfter(newestEnd.minus(RETENTION))) {
        rows += w.getValue().size();
        events += w.getValue().values().stream().mapToLong(Long::longValue).sum();
      }
    }
    return snapshot + ": " + List.of(rows, events);
  }

  /**
   * A second query over all windows keeps a moving horizon: a window leaves the table once one
   * ends {@link #RETENTION} after it, and its rows arriving later are not added back (the 12:05
   * event below, whose window has left by then, is in no snapshot).
   */
  @Test
  public void acrossWindowsTheTableKeepsTheWindowsWithinTheRetention() {
    assertEquals(TableScope.ACROSS_WINDOWS,
        TableScope.of(ACROSS, QueryShape.analyze("test.sql", PER_ITEM_5M)));
    List<Event> step1 = List.of(at("i-1", "click", 1, 0), at("i-2", "click", 2, 0), at("i-1", "click", 6, 0));
    List<Event> step2 = List.of(at("i-1", "click", 11, 0), at("i-3", "click", 12, 0));
    List<Event> step3 = List.of(at("i-2", "click", 16, 0), at("i-2", "click", 5, 30));
    TestStream<Row> stream = inSteps(step1, step2, step3);
    PCollection<String> out = run(p, stream, true, PER_ITEM_5M, ACROSS);

    List<Event> accepted = new ArrayList<>(step1);
    List<String> expected = new ArrayList<>();
    expected.add(acrossWindows(0, accepted, T0.plus(Duration.standardMinutes(10))));
    accepted.addAll(step2);
    expected.add(acrossWindows(1, accepted, T0.plus(Duration.standardMinutes(15))));
    accepted.addAll(step3);
    Instant newest = T0.plus(Duration.standardMinutes(20));
    expected.add(acrossWindows(2, accepted, newest));
    // The input ends: every window's final pane arrives, the table is unchanged.
    expected.add(acrossWindows(3, accepted, newest));
    PAssert.that(out).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }
}
