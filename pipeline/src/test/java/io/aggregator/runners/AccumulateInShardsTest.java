package io.aggregator.runners;

import static org.junit.Assert.assertEquals;

import io.aggregator.options.WriteMethod;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.SqlFile;
import io.aggregator.time.ApplyTriggerPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * A windowed query of an unbounded job on the DirectRunner, its groups kept in shards: the panes
 * are the trigger's (docs/semantics.md, "Triggers and write methods"), each group's early pane a
 * batch interval after its own first change even when its shard holds other groups, and every
 * group's on-time pane, with its index, when the watermark passes the end of its window. One shard
 * here, so that every group of a window shares it.
 */
public class AccumulateInShardsTest {

  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Instant T0 = AccumulateInStateTest.T0;
  static final Duration BATCH = AccumulateInStateTest.BATCH;
  static final String QUERY = "SELECT item_id, COUNT(*) AS c, SUM(amount) AS s FROM SOURCE"
      + " GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)";

  record Event(String item, long amount, Duration after) {
    TimestampedValue<Row> value() {
      Instant t = T0.plus(after);
      return TimestampedValue.of(
          Row.withSchema(AccumulateInStateTest.SOURCE).addValues(item, amount, t).build(), t);
    }
  }

  static Duration seconds(long s) {
    return Duration.standardSeconds(s);
  }

  // Processing time +0 s: a and b in the first window, due at +5 s.
  static final List<Event> AT_0 = List.of(new Event("a", 3, seconds(1)), new Event("b", 4, seconds(2)));
  // +2 s: a again (still due at +5 s), d in the first window and c in the second (due at +7 s).
  static final List<Event> AT_2 = List.of(new Event("a", 5, seconds(60)),
      new Event("d", 7, seconds(120)), new Event("c", 10, seconds(360)));
  // +6 s, after a's and b's early panes and before d's: b again (due at +11 s, never reached), d.
  static final List<Event> AT_6 = List.of(new Event("b", 2, seconds(180)), new Event("d", 1, seconds(200)));

  static final IntervalWindow FIRST = new IntervalWindow(T0, Duration.standardMinutes(5));

  /** Plain Java: "item count sum" of {@code item} over {@code seen}, and the pane's label. */
  static String pane(List<Event> seen, String item, String label) {
    long count = seen.stream().filter(e -> e.item().equals(item)).count();
    long sum = seen.stream().filter(e -> e.item().equals(item)).mapToLong(Event::amount).sum();
    return item + " " + count + " " + sum + " " + label;
  }

  @Test
  public void updateEmitsEachGroupsEarlyPaneOnItsOwnDueAndEveryGroupOnTime() {
    TestStream<Row> stream = TestStream.create(AccumulateInStateTest.SOURCE)
        .advanceWatermarkTo(T0)
        .addElements(AT_0.get(0).value(), AT_0.get(1).value())
        .advanceProcessingTime(seconds(2))
        .addElements(AT_2.get(0).value(), AT_2.get(1).value(), AT_2.get(2).value())
        .advanceProcessingTime(seconds(4))
        .addElements(AT_6.get(0).value(), AT_6.get(1).value())
        .advanceProcessingTime(seconds(2))
        .advanceWatermarkTo(FIRST.end())
        .advanceWatermarkToInfinity();
    PCollection<String> out = panes(p.apply(stream), WriteMethod.UPDATE);

    List<Event> atFive = new ArrayList<>(AT_0);
    atFive.addAll(AT_2);
    List<Event> all = new ArrayList<>(atFive);
    all.addAll(AT_6);
    PAssert.that(out).containsInAnyOrder(
        pane(atFive, "a", "EARLY#0"), // due at +5 s, fired at +6 s with both of its events
        pane(atFive, "b", "EARLY#0"),
        pane(all, "d", "EARLY#0"), // due at +7 s, in a's and b's shard: fired at +8 s, not +6 s
        pane(all, "c", "EARLY#0"),
        pane(all, "a", "ON_TIME#1 final"), // unchanged since its early pane: fired all the same
        pane(all, "b", "ON_TIME#1 final"),
        pane(all, "c", "ON_TIME#1 final"),
        pane(all, "d", "ON_TIME#1 final"));
    p.run().waitUntilFinish();
  }

  @Test
  public void appendEmitsOnlyTheOnTimePanes() {
    TestStream<Row> stream = TestStream.create(AccumulateInStateTest.SOURCE)
        .advanceWatermarkTo(T0)
        .addElements(AT_0.get(0).value(), AT_0.get(1).value())
        .advanceProcessingTime(seconds(10))
        .addElements(AT_2.get(0).value(), AT_2.get(1).value(), AT_2.get(2).value())
        .advanceWatermarkToInfinity();
    PCollection<String> out = panes(p.apply(stream), WriteMethod.APPEND);
    List<Event> all = new ArrayList<>(AT_0);
    all.addAll(AT_2);
    PAssert.that(out).containsInAnyOrder(
        pane(all, "a", "ON_TIME#0 final"), pane(all, "b", "ON_TIME#0 final"),
        pane(all, "c", "ON_TIME#0 final"), pane(all, "d", "ON_TIME#0 final"));
    p.run().waitUntilFinish();
  }

  /** A bounded input keeps the grouping (every window stays open until the input ends). */
  @Test
  public void aBoundedInputIsLeftAlone() {
    p.apply(Create.timestamped(List.of(AT_0.get(0).value())))
        .setRowSchema(AccumulateInStateTest.SOURCE)
        .apply(new ApplyTriggerPolicy(WriteMethod.UPDATE, true, BATCH))
        .apply(new ApplySqlQuery(QUERY, SqlFile.SOURCE_TABLE));
    AccumulateInShards.apply(p, BATCH, 1);
    assertEquals(0, AccumulateInStateTest.statefulSteps(p, AccumulateInShardsFn.class));
    p.enableAbandonedNodeEnforcement(false);
  }

  /** The query's results as "item count sum TIMING#index [final]", its combine in one shard. */
  private PCollection<String> panes(PCollection<Row> events, WriteMethod method) {
    PCollection<String> out = events
        .apply(new ApplyTriggerPolicy(method, true, BATCH))
        .apply(new ApplySqlQuery(QUERY, SqlFile.SOURCE_TABLE))
        .apply(ParDo.of(new LabelPanesFn()));
    AccumulateInShards.apply(p, BATCH, 1);
    assertEquals(1, AccumulateInStateTest.statefulSteps(p, AccumulateInShardsFn.class));
    return out;
  }

  static final class LabelPanesFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row r, PaneInfo pane, OutputReceiver<String> out) {
      out.output(r.getString("item_id") + " " + r.getInt64("c") + " " + r.getInt64("s") + " "
          + pane.getTiming() + "#" + pane.getIndex() + (pane.isLast() ? " final" : ""));
    }
  }
}
