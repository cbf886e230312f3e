package io.aggregator.sql.nested;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import io.aggregator.sql.GroupId;
import io.aggregator.sql.QueryShape;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code for_each_batch} block (docs/semantics.md, "Nested queries"): at every emission, table {@code AGGREGATED} holds
 * the complete current result of the first query, and the second query's result over it is the
 * output.
 *
 * <p><b>Design.</b> Beam has no retractions, so the first query's panes cannot simply flow into a
 * second aggregation (it would add up every pane ever emitted). Instead:
 *
 * <ol>
 *   <li>{@code VersionAggregatedRows}: each first-query row is tagged with its group id (the
 *       document id it would have) and its pane index, which grows with every firing of the group.
 *   <li>{@code SnapshotEveryBatch}: all rows go to one key in the global window, which fires every
 *       {@code --batchInterval} of processing time after new rows arrive, accumulating. Processing
 *       time, not event time: the snapshot must not wait for the watermark, which lags real time
 *       by {@code --allowLateFor}. The global window never expires before the input ends, so no
 *       row is ever late here; a bounded replay gets its final snapshot when the input ends.
 *   <li>{@code KeepLatestRowPerGroup}: {@link LatestRowPerGroupFn} keeps the row of the highest
 *       pane per group: the whole current table, one element per snapshot.
 *   <li>{@code EvaluateSecondQuery}: {@link SnapshotQuery} runs the second query over that
 *       element. One element in, one complete result out: nothing to retract.
 * </ol>
 *
 * <p>No timers and no user state: the Spark runner rejects them ("DoFn cannot yet be used with timers in the
 * SparkRunner"), and a
 * Combine over one key in the global window runs on all three runners.
 *
 * <p><b>Limits.</b> The table lives in one key, so one worker holds it and evaluates each
 * snapshot: memory and snapshot cost grow with the number of first-query groups (see the README
 * for measured figures). Rows of windows that can no longer change are not evicted: like Spark's
 * complete output mode, which keeps every group so that {@code foreachBatch} sees the whole
 * result, {@code AGGREGATED} keeps every window, and a second query that aggregates across windows
 * stays right. Runners that do not lift a combiner under a trigger (the DirectRunner; Spark's
 * streaming group-by) keep the emitted first-query rows rather than one accumulator, so their
 * memory grows with the number of first-query emissions.
 */
public class ApplyNestedQuery extends PTransform<PCollection<Row>, PCollection<Row>> {


  /** The single key under which the table is materialised. */
  static final String TABLE_KEY = "AGGREGATED";

  private final String query;
  private final QueryShape firstShape;
  private final Duration batchInterval;

  /**
   * @param query the second query, over {@code AGGREGATED} (positions as in the file)
   * @param firstShape the first query's shape, which identifies its groups
   * @param batchInterval how often a snapshot is taken while rows arrive
   */
  public ApplyNestedQuery(String query, QueryShape firstShape, Duration batchInterval) {
    this.query = query;
    this.firstShape = firstShape;
    this.batchInterval = batchInterval;
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> firstResults) {
    Schema aggregated = firstResults.getSchema();
    Schema resultSchema;
    // Plans now, so that a bad second query stops the job at start with its file position.
    try (SnapshotQuery planned = SnapshotQuery.prepare(query, aggregated)) {
      resultSchema = planned.resultSchema();
    }
    String query = this.query;
    if (aggregated.hasField(EventCount.COLUMN)) {
      // Each result reflects the events of the AGGREGATED rows it aggregates (docs/semantics.md,
      // "Restarts"); a query whose outer SELECT cannot see the column keeps its own text.
      String counted = EventCount.sumCounts(query);
      try (SnapshotQuery planned = SnapshotQuery.prepare(counted, aggregated)) {
        resultSchema = planned.resultSchema();
        query = counted;
      } catch (IllegalArgumentException e) {
        // not counted: its results are written unconditionally
      }
    }
    Schema versioned = LatestRowPerGroupFn.versioned(aggregated);
    return firstResults
        .apply(
            "VersionAggregatedRows",
            ParDo.of(new VersionRowsFn(new GroupId(firstShape), versioned)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(versioned)))
        .apply(
            "SnapshotEveryBatch",
            Window.<KV<String, Row>>into(new GlobalWindows())
                .triggering(
                    Repeatedly.forever(
                        AfterProcessingTime.pastFirstElementInPane().plusDelayOf(batchInterval)))
                .withAllowedLateness(Duration.ZERO)
                .accumulatingFiredPanes())
        .apply("KeepLatestRowPerGroup", Combine.perKey(new LatestRowPerGroupFn(aggregated)))
        .apply("DropTableKey", Values.create())
        .apply("EvaluateSecondQuery", ParDo.of(new EvaluateSnapshotFn(query, aggregated)))
        .setRowSchema(resultSchema);
  }

  /** Tags a first-query row with its group id and pane index. */
  static final class VersionRowsFn extends DoFn<Row, KV<String, Row>> {
    private final GroupId groups;
    private final Schema versioned;

    VersionRowsFn(GroupId groups, Schema versioned) {
      this.groups = groups;
      this.versioned = versioned;
    }

    @ProcessElement
    public void process(@Element Row row, PaneInfo pane, OutputReceiver<KV<String, Row>> out) {
      Row tagged =
          Row.withSchema(versioned).addValues(groups.of(row), pane.getIndex(), row).build();
      out.output(KV.of(TABLE_KEY, tagged));
    }
  }

  /** Runs the second query over one snapshot of the table. */
  static final class EvaluateSnapshotFn extends DoFn<List<Row>, Row> {
    private final String query;
    private final Schema aggregated;
    private transient SnapshotQuery snapshotQuery;

    private final Counter snapshots = JobMetrics.counter(JobMetrics.SNAPSHOTS_EVALUATED);
    private final Distribution tableRows = Metrics.distribution(JobMetrics.NAMESPACE, JobMetrics.SNAPSHOT_ROWS);
    private final Distribution millis = Metrics.distribution(JobMetrics.NAMESPACE, JobMetrics.SNAPSHOT_MILLIS);

    EvaluateSnapshotFn(String query, Schema aggregated) {
      this.query = query;
      this.aggregated = aggregated;
    }

    @Setup
    public void setup() {
      snapshotQuery = SnapshotQuery.prepare(query, aggregated);
    }

    @ProcessElement
    public void process(@Element List<Row> table, OutputReceiver<Row> out) {
      long start = System.nanoTime();
      List<Row> result = snapshotQuery.evaluate(table);
      millis.update((System.nanoTime() - start) / 1_000_000);
      snapshots.inc();
      tableRows.update(table.size());
      result.forEach(out::output);
    }

    @Teardown
    public void teardown() {
      if (snapshotQuery != null) {
        snapshotQuery.close();
      }
    }
  }
}
