package io.aggregator.runners;

import static org.junit.Assert.assertEquals;

import io.aggregator.options.WriteMethod;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.SqlFile;
import io.aggregator.time.ApplyTriggerPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * A query without a window, its combine kept in state (the DirectRunner's and Spark Streaming's
 * rewrite): every batch interval after new events, each group that changed is emitted with its
 * total over all events so far, and the groups changed since the last emission once more when the
 * input ends, as the trigger did; without timers, at each bundle that changed it.
 */
public class AccumulateInStateTest {

  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SOURCE = Schema.builder()
      .addStringField("item_id").addInt64Field("amount").addDateTimeField("timestamp").build();
  static final Instant T0 = Instant.parse("2024-10-28T12:00:00Z");
  static final Duration BATCH = Duration.standardSeconds(5);
  static final String QUERY =
      "SELECT item_id, COUNT(*) AS c, SUM(amount) AS s FROM SOURCE GROUP BY item_id";

  record Event(String item, long amount) {}

  static TimestampedValue<Row> value(Event e, int i) {
    Instant t = T0.plus(Duration.standardSeconds(i));
    return TimestampedValue.of(Row.withSchema(SOURCE).addValues(e.item(), e.amount(), t).build(), t);
  }

  /** Plain Java: "item count sum" over {@code seen}, for the items in {@code changed}. */
  static List<String> totals(List<Event> seen, Set<String> changed) {
    Map<String, long[]> byItem = new TreeMap<>();
    for (Event e : seen) {
      long[] t = byItem.computeIfAbsent(e.item(), k -> new long[2]);
      t[0]++;
      t[1] += e.amount();
    }
    List<String> out = new ArrayList<>();
    byItem.forEach((item, t) -> {
      if (changed.contains(item)) {
        out.add(item + " " + t[0] + " " + t[1]);
      }
    });
    return out;
  }

  static long statefulSteps(Pipeline p, Class<?> fnClass) {
    long[] n = {0};
    p.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput<?, ?> pardo
            && fnClass.isInstance(pardo.getFn())) {
          n[0]++;
        }
      }
    });
    return n[0];
  }

  @Test
  public void emitsTheTotalsOfTheChangedGroupsEveryBatchAndAtTheEnd() {
    runThreeSteps(true, AccumulateInStateFn.class);
  }

  /**
   * Without timers (Spark Streaming) a group is emitted each time a bundle's partial changes it.
   * Each event here is a TestStream step of its own, so each is one partial: a group of n events
   * is emitted n times, with counts 1 to n in whatever order the runner merges them, the last
   * with the group's totals.
   */
  @Test
  public void withoutTimersEmitsAGroupAtEachChange() {
    PCollection<String> out = threeSteps(false, MergeInStateFn.class);
    List<Event> all = new ArrayList<>(STEP_1);
    all.addAll(STEP_2);
    all.addAll(STEP_3);
    List<String> totals = totals(all, Set.of("a", "b", "c"));
    TreeMap<String, Long> events = new TreeMap<>(); // plain Java: events per group
    all.forEach(e -> events.merge(e.item(), 1L, Long::sum));
    PAssert.that(out).satisfies(lines -> {
      Map<String, List<Long>> counts = new TreeMap<>();
      List<String> finals = new ArrayList<>();
      for (String line : lines) {
        String[] f = line.split(" ");
        counts.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Long.parseLong(f[1]));
        if (Long.parseLong(f[1]) == events.get(f[0])) {
          finals.add(line);
        }
      }
      counts.forEach((item, c) -> {
        c.sort(null);
        List<Long> oneToN = new ArrayList<>();
        for (long n = 1; n <= events.get(item); n++) {
          oneToN.add(n);
        }
        assertEquals(item, oneToN, c);
      });
      assertEquals(events.keySet(), counts.keySet());
      finals.sort(null);
      assertEquals(totals, finals);
      return null;
    });
    p.run().waitUntilFinish();
  }

  static final List<Event> STEP_1 = List.of(new Event("a", 3), new Event("b", 4), new Event("a", 5));
  static final List<Event> STEP_2 = List.of(new Event("a", 1), new Event("c", 10));
  static final List<Event> STEP_3 = List.of(new Event("b", 2));

  private void runThreeSteps(boolean timers, Class<?> fnClass) {
    PCollection<String> out = threeSteps(timers, fnClass);
    List<Event> seen = new ArrayList<>(STEP_1);
    List<String> expected = new ArrayList<>(totals(seen, Set.of("a", "b")));
    seen.addAll(STEP_2);
    expected.addAll(totals(seen, Set.of("a", "c")));
    seen.addAll(STEP_3);
    expected.addAll(totals(seen, Set.of("b"))); // when the input ends
    PAssert.that(out).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }

  private PCollection<String> threeSteps(boolean timers, Class<?> fnClass) {
    TestStream.Builder<Row> stream = TestStream.create(SOURCE).advanceWatermarkTo(T0);
    int i = 0;
    for (Event e : STEP_1) {
      stream = stream.addElements(value(e, i++));
    }
    stream = stream.advanceProcessingTime(BATCH.plus(Duration.standardSeconds(1)));
    for (Event e : STEP_2) {
      stream = stream.addElements(value(e, i++));
    }
    stream = stream.advanceProcessingTime(BATCH.plus(Duration.standardSeconds(1)));
    for (Event e : STEP_3) {
      stream = stream.addElements(value(e, i++));
    }
    PCollection<String> out = p.apply(stream.advanceWatermarkToInfinity())
        .apply(new ApplyTriggerPolicy(WriteMethod.UPDATE, false, BATCH))
        .apply(new ApplySqlQuery(QUERY, SqlFile.SOURCE_TABLE))
        .apply(MapElements.into(TypeDescriptors.strings())
            .via((Row r) -> r.getString("item_id") + " " + r.getInt64("c") + " " + r.getInt64("s")));
    AccumulateInState.apply(p, BATCH, timers);
    assertEquals(1, statefulSteps(p, fnClass));
    return out;
  }
}
