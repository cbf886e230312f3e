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
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code for_each_batch} block (docs/semantics.md, "Nested queries"): at every emission, table
 * {@code AGGREGATED} holds the complete current result of the first query, and the second query's
 * result over it is the output.
 *
 * <p><b>Design.</b> Beam has no retractions, so the first query's panes cannot simply flow into a
 * second aggregation (it would add up every pane ever emitted). Instead:
 *
 * <ol>
 *   <li>{@code VersionAggregatedRows}: each first-query row is tagged with its group id (the
 *       document id it would have), its version (its {@code _events}, else its pane index: both
 *       only grow from one firing of the group to the next) and the end of its window.
 *   <li>{@code SnapshotEveryBatch} or {@code SnapshotEachWindow}: when a snapshot is taken, by the
 *       table's {@link TableScope} (below).
 *   <li>{@code KeepLatestRowPerGroup}: {@link LatestRowPerGroupFn} keeps the row of the highest
 *       pane per group: the current table, one element per snapshot.
 *   <li>{@code EvaluateSecondQuery}: {@link SnapshotQuery} runs the second query over that
 *       element. One element in, one complete result out: nothing to retract.
 * </ol>
 *
 * <p><b>Scopes.</b> {@link TableScope#PER_WINDOW}: the rows stay in the first query's windows,
 * keyed by window, with the first query's trigger (early every batch interval, final when the
 * watermark passes the window's end). Each snapshot holds one window's rows; the window's final
 * result is its on-time pane, after which Beam frees the window's state. {@link
 * TableScope#ALL_TIME} and {@link TableScope#ACROSS_WINDOWS}: all rows go to one key in the global
 * window, which fires every {@code --batchInterval} of processing time after new rows arrive.
 * Processing time, not event time: such a snapshot must not wait for the watermark, which lags
 * real time by {@code --allowLateFor}. Across windows, rows of windows more than {@code
 * --aggregatedRetention} behind the newest leave the table.
 *
 * <p>No timers and no user state: the Spark runner rejects timers ("DoFn cannot yet be used with
 * timers in the SparkRunner"), and a Combine per key runs on all three runners.
 */
public class ApplyNestedQuery extends PTransform<PCollection<Row>, PCollection<Row>> {

  /** The single key under which a table spanning windows is materialised. */
  static final String TABLE_KEY = "AGGREGATED";

  private final String query;
  private final QueryShape firstShape;
  private final Duration batchInterval;
  private final Trigger windowTrigger;
  private final Duration retention;

  /**
   * @param query the second query, over {@code AGGREGATED} (positions as in the file)
   * @param firstShape the first query's shape, which identifies its groups
   * @param batchInterval how often a snapshot is taken while rows arrive
   * @param windowTrigger the first query's trigger, which a per-window table fires with
   * @param retention how long a table spanning windows keeps a window behind the newest
   */
  public ApplyNestedQuery(
      String query,
      QueryShape firstShape,
      Duration batchInterval,
      Trigger windowTrigger,
      Duration retention) {
    this.query = query;
    this.firstShape = firstShape;
    this.batchInterval = batchInterval;
    this.windowTrigger = windowTrigger;
    this.retention = retention;
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
    TableScope scope = TableScope.of(this.query, firstShape);
    Schema versioned = LatestRowPerGroupFn.versioned(aggregated);
    PCollection<KV<String, Row>> rows =
        firstResults
            .apply(
                "VersionAggregatedRows",
                ParDo.of(new VersionRowsFn(new GroupId(firstShape), versioned, scope)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(versioned)));
    PCollection<KV<String, Row>> snapshots =
        scope == TableScope.PER_WINDOW
            ? rows.apply(
                "SnapshotEachWindow",
                // Keeps the first query's windows (no WindowFn here): HOP rows stay in their own.
                Window.<KV<String, Row>>configure()
                    .triggering(windowTrigger)
                    .withAllowedLateness(Duration.ZERO)
                    .accumulatingFiredPanes())
            : rows.apply(
                "SnapshotEveryBatch",
                Window.<KV<String, Row>>into(new GlobalWindows())
                    .triggering(
                        Repeatedly.forever(
                            AfterProcessingTime.pastFirstElementInPane().plusDelayOf(batchInterval)))
                    .withAllowedLateness(Duration.ZERO)
                    .accumulatingFiredPanes());
    Duration kept = scope == TableScope.ACROSS_WINDOWS ? retention : null;
    return snapshots
        .apply("KeepLatestRowPerGroup", Combine.perKey(new LatestRowPerGroupFn(aggregated, kept)))
        .apply("DropTableKey", Values.create())
        .apply("EvaluateSecondQuery", ParDo.of(new EvaluateSnapshotFn(query, aggregated)))
        .setRowSchema(resultSchema);
  }

  /** Tags a first-query row with its group id, pane index and window end; keys it by table. */
  static final class VersionRowsFn extends DoFn<Row, KV<String, Row>> {
    private final GroupId groups;
    private final Schema versioned;
    private final TableScope scope;

    VersionRowsFn(GroupId groups, Schema versioned, TableScope scope) {
      this.groups = groups;
      this.versioned = versioned;
      this.scope = scope;
    }

    @ProcessElement
    public void process(
        @Element Row row, PaneInfo pane, BoundedWindow window, OutputReceiver<KV<String, Row>> out) {
      long windowEnd = window.maxTimestamp().getMillis();
      // A group's events only grow from one of its rows to the next; a pane index may be missing
      // (a result kept in state, not fired by a trigger: docs/semantics.md, "State").
      Object events = row.getSchema().hasField(EventCount.COLUMN)
          ? row.getValue(EventCount.COLUMN)
          : null;
      long version = events instanceof Number ? ((Number) events).longValue() : pane.getIndex();
      Row tagged =
          Row.withSchema(versioned)
              .addValues(groups.of(row), version, windowEnd, row)
              .build();
      String table = scope == TableScope.PER_WINDOW ? Long.toString(windowEnd) : TABLE_KEY;
      out.output(KV.of(table, tagged));
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
