package io.aggregator.runners;

import static org.junit.Assert.assertEquals;

import io.aggregator.options.WriteMethod;
import io.aggregator.runners.CombineBeforeShuffle.GroupedInputs;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.SqlFile;
import io.aggregator.time.ApplyTriggerPolicy;
import io.aggregator.time.TriggerPolicyTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.WithTimestamps;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The combine-before-shuffle rewrite (used on Flink and the DirectRunner) keeps Beam SQL's results
 * and panes. Run on the DirectRunner, which, like Flink, holds the watermark back while a bundle is
 * being processed.
 */
public class CombineBeforeShuffleTest {

  /** Beam's test pipeline: it fails a test whose PAsserts never ran or whose graph was never run. */
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SOURCE =
      Schema.builder()
          .addStringField("item_id")
          .addInt64Field("amount")
          .addDateTimeField("timestamp")
          .build();
  static final Instant T0 = Instant.parse("2024-10-28T12:00:00Z");

  /** How many combines in {@code p} were rewritten (their first half is in the graph). */
  static int rewritten(Pipeline p) {
    int[] count = {0};
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof ParDo.MultiOutput
                && ((ParDo.MultiOutput<?, ?>) node.getTransform()).getFn()
                    instanceof CombineInBundleFn) {
              count[0]++;
            }
          }
        });
    return count[0];
  }

  /** The trigger policy's panes (early, on-time, droppable) are those without the rewrite. */
  @Test
  public void keepsTheEarlyAndOnTimePanesOfTheTriggerPolicy() {
    PCollection<Row> out = TriggerPolicyTest.apply(p, WriteMethod.UPDATE);
    CombineBeforeShuffle.apply(p, GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING);
    assertEquals(1, rewritten(p));
    PAssert.that(out).inEarlyPane(TriggerPolicyTest.W0).containsInAnyOrder(TriggerPolicyTest.result(2));
    PAssert.that(out).inOnTimePane(TriggerPolicyTest.W0).containsInAnyOrder(TriggerPolicyTest.result(3));
    PAssert.that(out).inFinalPane(TriggerPolicyTest.W0).containsInAnyOrder(TriggerPolicyTest.result(3));
    p.run().waitUntilFinish();
  }

  /** Many events over several windows: COUNT, SUM, MIN, MAX, AVG as plain Java computes them. */
  @Test
  public void givesTheAggregatesOfPlainJava() {
    Random random = new Random(7);
    List<Row> events = new ArrayList<>();
    // item -> window start minute -> {count, sum, min, max}
    Map<String, Map<Long, long[]>> expected = new TreeMap<>();
    for (int i = 0; i < 5_000; i++) {
      String item = "i-" + random.nextInt(20);
      long amount = random.nextInt(1_000) - 100;
      long second = random.nextInt(3_600);
      events.add(Row.withSchema(SOURCE).addValues(item, amount, T0.plus(Duration.standardSeconds(second))).build());
      long windowMinute = second / 60 / 5 * 5;
      long[] agg = expected.computeIfAbsent(item, k -> new TreeMap<>())
          .computeIfAbsent(windowMinute, k -> new long[] {0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
      agg[0]++;
      agg[1] += amount;
      agg[2] = Math.min(agg[2], amount);
      agg[3] = Math.max(agg[3], amount);
    }
    Schema result = Schema.builder().addStringField("item_id").addDateTimeField("window_start")
        .addInt64Field("c").addInt64Field("s").addInt64Field("lo").addInt64Field("hi")
        .addInt64Field("mean").build();
    List<Row> rows = new ArrayList<>();
    expected.forEach((item, windows) -> windows.forEach((minute, a) -> rows.add(
        Row.withSchema(result).addValues(item, T0.plus(Duration.standardMinutes(minute)),
            a[0], a[1], a[2], a[3], a[1] / a[0]).build())));

    PCollection<Row> out = p.apply(Create.of(events).withRowSchema(SOURCE))
        .apply(WithTimestamps.of((Row r) -> r.getDateTime("timestamp").toInstant()))
        .apply(new ApplyTriggerPolicy(WriteMethod.APPEND, true, Duration.standardSeconds(5)))
        .apply(new ApplySqlQuery(
            "SELECT item_id, TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,"
                + " COUNT(*) AS c, SUM(amount) AS s, MIN(amount) AS lo, MAX(amount) AS hi,"
                + " AVG(amount) AS mean FROM SOURCE"
                + " GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)",
            SqlFile.SOURCE_TABLE));
    CombineBeforeShuffle.apply(p, GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING);
    assertEquals(1, rewritten(p));
    PAssert.that(out).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
  }

  /**
   * Where the runner combines its inputs again at every firing, queries without a window are
   * left alone; where it adds them once, they are rewritten too.
   */
  @Test
  public void leavesTheGlobalWindowAloneWhenAsked() {
    p.enableAbandonedNodeEnforcement(false); // the graph is inspected, not run
    PCollection<KV<String, Long>> in = p.apply(Create.timestamped(
            List.of(KV.of("a", 1L), KV.of("a", 2L)), List.of(T0.getMillis(), T0.getMillis() + 1000)));
    in.apply("SumAllTime", Combine.perKey(Sum.ofLongs()));
    in.apply("Fixed", Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply("SumFixed", Combine.perKey(Sum.ofLongs()));
    CombineBeforeShuffle.apply(p, GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING);
    assertEquals(1, rewritten(p));
    CombineBeforeShuffle.apply(p, GroupedInputs.ADDED_ONCE);
    assertEquals(2, rewritten(p));
  }

  /** Session windows are only known after the shuffle: their combines are left alone. */
  @Test
  public void leavesMergingWindowsAlone() {
    p.enableAbandonedNodeEnforcement(false); // the graph is inspected, not run
    PCollection<KV<String, Long>> in = p.apply(Create.timestamped(
            List.of(KV.of("a", 1L), KV.of("a", 2L)), List.of(T0.getMillis(), T0.getMillis() + 1000)));
    in.apply("Fixed", Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply("SumFixed", Combine.perKey(Sum.ofLongs()));
    in.apply("Sessions", Window.into(Sessions.withGapDuration(Duration.standardMinutes(1))))
        .apply("SumSessions", Combine.perKey(Sum.ofLongs()));
    CombineBeforeShuffle.apply(p, GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING);
    assertEquals(1, rewritten(p));
  }

  /**
   * A bundle holding as many partials as it may emits them at once, each in its own window: with
   * room for one, every event leaves as a partial of its own, and the sums per key and window
   * are still plain Java's.
   */
  @Test
  public void aFullBundleEmitsItsPartialsEachInItsWindow() throws Exception {
    Random random = new Random(11);
    List<TimestampedValue<KV<String, Long>>> events = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>(); // "key@window start minute" -> sum
    for (int i = 0; i < 2_000; i++) {
      String key = "k-" + random.nextInt(10);
      long amount = random.nextInt(100);
      long minute = random.nextInt(60);
      events.add(TimestampedValue.of(KV.of(key, amount), T0.plus(Duration.standardMinutes(minute))));
      expected.merge(key + "@" + minute / 5 * 5, amount, Long::sum);
    }
    Combine.BinaryCombineLongFn sum = Sum.ofLongs();
    PCollection<KV<String, long[]>> partials = p.apply(Create.timestamped(events))
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(5))))
        .apply(ParDo.of(new CombineInBundleFn<String, Long, long[]>(
            sum, StringUtf8Coder.of(), TimestampCombiner.END_OF_WINDOW, 1)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), sum.getAccumulatorCoder(p.getCoderRegistry(), VarLongCoder.of())));
    PAssert.thatSingleton(partials
            .apply("AllWindows", Window.<KV<String, long[]>>into(new GlobalWindows()))
            .apply(Count.globally()))
        .isEqualTo((long) events.size());
    PCollection<String> sums = partials
        .apply(MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
            .via((KV<String, long[]> kv) -> KV.of(kv.getKey(), kv.getValue()[0])))
        .apply(Sum.longsPerKey())
        .apply(ParDo.of(new NameByWindowFn()));
    List<String> rows = new ArrayList<>();
    expected.forEach((k, v) -> rows.add(k + "=" + v));
    PAssert.that(sums).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
  }

  /** A sum as "key@window start minute=sum". */
  private static final class NameByWindowFn extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(@Element KV<String, Long> kv, BoundedWindow window, OutputReceiver<String> out) {
      long minute = (((IntervalWindow) window).start().getMillis() - T0.getMillis()) / 60_000;
      out.output(kv.getKey() + "@" + minute + "=" + kv.getValue());
    }
  }
}
