package io.aggregator;

import io.aggregator.events.EventTags;
import io.aggregator.options.CommandLine;
import io.aggregator.options.JobSettings;
import io.aggregator.sql.SqlFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The whole job's graph, applied as tests apply it: a shipped SQL file, a TestStream in place of
 * Kafka, sinks that discard (the results are asserted on the graph's output). The expected
 * documents are counted in plain Java over the same events.
 */
public class AggregateEventsTest {

  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Instant T0 = Instant.parse("2024-10-28T12:00:00Z");
  static final List<String> TYPES = List.of("click", "view", "like");

  static JobPlan plan(String writeMethod) {
    JobSettings settings = JobSettings.from(CommandLine.parse(new String[] {
      "--sqlFile=x.sql", "--sink=console", "--writeMethod=" + writeMethod, "--allowLateFor=PT1M",
      "--jsonFieldsMap=item_id=$.item_id", "--jsonFieldsMap=interaction_type=$.interaction_type"}));
    Path file = Path.of(System.getProperty("user.dir"), "..", "sql_files", "interactions_per_item_5m.sql");
    return JobPlan.prepare(settings, SqlFile.read(file.toString()));
  }

  /** A source that emits {@code events} in order, then moves the watermark past them all. */
  static PTransform<PBegin, PCollectionTuple> source(Schema schema, List<Row> events) {
    return new PTransform<>() {
      @Override
      public PCollectionTuple expand(PBegin input) {
        TestStream.Builder<Row> stream = TestStream.create(schema).advanceWatermarkTo(T0);
        for (Row e : events) {
          stream = stream.addElements(TimestampedValue.of(e, e.getDateTime("timestamp").toInstant()));
        }
        PCollection<Row> rows = input.apply("Events", stream.advanceWatermarkToInfinity());
        PCollection<Row> rejects =
            input.apply("NoRejects", Create.empty(RowCoder.of(EventTags.REJECT_SCHEMA)));
        return PCollectionTuple.of(EventTags.EVENTS, rows).and(EventTags.REJECTS, rejects);
      }
    };
  }

  /**
   * A sink that takes every row and keeps none (the results are asserted on the graph's output).
   * It must consume its input: with a sink that applies nothing, the DirectRunner never ended a
   * TestStream pipeline.
   */
  static PTransform<PCollection<Row>, PDone> discard() {
    return new PTransform<>() {
      @Override
      public PDone expand(PCollection<Row> input) {
        input.apply("Discard", ParDo.of(new DiscardFn()));
        return PDone.in(input.getPipeline());
      }
    };
  }

  static class DiscardFn extends DoFn<Row, Void> {
    @ProcessElement
    public void process(@Element Row row) {}
  }

  @Test
  public void appendWritesOneExactRowPerItemTypeAndWindow() {
    JobPlan plan = plan("append");
    Random random = new Random(7);
    List<Row> events = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>(); // "item|type|windowStartMillis" -> count
    for (int i = 0; i < 400; i++) {
      // Event times only move forward (one second apart), so no event is late.
      Instant t = T0.plus(Duration.standardSeconds(i));
      String item = "i-" + random.nextInt(4);
      String type = TYPES.get(random.nextInt(TYPES.size()));
      events.add(Row.withSchema(plan.sourceSchema())
          .withFieldValue("item_id", item)
          .withFieldValue("interaction_type", type)
          .withFieldValue("timestamp", t)
          .build());
      long start = t.getMillis() - t.getMillis() % Duration.standardMinutes(5).getMillis();
      expected.merge(item + "|" + type + "|" + start, 1L, Long::sum);
    }
    PCollection<Row> results =
        p.apply("AggregateEvents", plan.graph(source(plan.sourceSchema(), events), discard(), discard()));

    List<Row> rows = new ArrayList<>();
    expected.forEach((key, count) -> {
      String[] k = key.split("\\|");
      Instant start = new Instant(Long.parseLong(k[2]));
      rows.add(Row.withSchema(results.getSchema())
          // _events: each row reflects the events it counts (docs/semantics.md, "Restarts")
          .addValues(k[0], k[1], start, start.plus(Duration.standardMinutes(5)), count, count)
          .build());
    });
    PAssert.that(results).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
  }
}
