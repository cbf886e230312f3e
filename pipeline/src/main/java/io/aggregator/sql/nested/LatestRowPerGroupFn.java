package io.aggregator.sql.nested;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Materialises table {@code AGGREGATED}: of all the rows the first query emitted for a group (a
 * group of its GROUP BY and window), keeps the one of the latest pane, which in accumulating mode
 * is the group's complete current value. The output is the whole table, ordered by group id so
 * that a query over it sees the same order on every runner.
 *
 * <p>Input rows are {@link #versioned} rows: the group id, the version, the end of the row's
 * window and the first query's row. Versions only grow within a group, so "highest version
 * wins" is order-independent and the function is a true CombineFn (associative, commutative),
 * whatever the runner's bundling.
 *
 * <p><b>Retention</b> ({@link TableScope#ACROSS_WINDOWS}): a row whose window ended {@code
 * retention} or more before the newest window end seen leaves the table, and such a row arriving
 * later is not added. The newest end only grows, so which rows the table holds is a function of
 * the rows it was given, in any order and any split: still a true CombineFn.
 */
public class LatestRowPerGroupFn extends CombineFn<Row, AggregatedTable, List<Row>> {

  public static final String GROUP = "group";
  public static final String VERSION = "version";
  public static final String WINDOW_END = "window_end_millis";
  public static final String ROW = "row";

  private final Schema versionedSchema;
  private final long retentionMillis;

  /** @param retention how far behind the newest window a window leaves; null: never */
  public LatestRowPerGroupFn(Schema aggregatedSchema, @Nullable Duration retention) {
    this.versionedSchema = versioned(aggregatedSchema);
    this.retentionMillis = retention == null ? Long.MAX_VALUE : retention.getMillis();
  }

  /** The schema of the input: group id, version, window end, the first query's row. */
  public static Schema versioned(Schema aggregatedSchema) {
    return Schema.builder()
        .addStringField(GROUP)
        .addInt64Field(VERSION)
        .addInt64Field(WINDOW_END)
        .addRowField(ROW, aggregatedSchema)
        .build();
  }

  @Override
  public AggregatedTable createAccumulator() {
    return new AggregatedTable();
  }

  @Override
  public AggregatedTable addInput(AggregatedTable table, Row versionedRow) {
    long end = versionedRow.getInt64(WINDOW_END);
    if (end > table.newestWindowEnd) {
      table.newestWindowEnd = end;
      evict(table);
    }
    if (!expired(table, end)) {
      table.rows.merge(versionedRow.getString(GROUP), versionedRow, LatestRowPerGroupFn::latest);
    }
    return table;
  }

  /** Merges into the largest table, in place (Beam allows a merge to reuse its accumulators). */
  @Override
  public AggregatedTable mergeAccumulators(Iterable<AggregatedTable> tables) {
    AggregatedTable merged = null;
    for (AggregatedTable t : tables) {
      if (merged == null || t.rows.size() > merged.rows.size()) {
        merged = t;
      }
    }
    if (merged == null) {
      return createAccumulator();
    }
    long newest = merged.newestWindowEnd;
    for (AggregatedTable t : tables) {
      newest = Math.max(newest, t.newestWindowEnd);
    }
    if (newest > merged.newestWindowEnd) { // scans the table only when the horizon moves
      merged.newestWindowEnd = newest;
      evict(merged);
    }
    for (AggregatedTable t : tables) {
      if (t == merged) {
        continue;
      }
      for (Map.Entry<String, Row> e : t.rows.entrySet()) {
        if (!expired(merged, e.getValue().getInt64(WINDOW_END))) {
          merged.rows.merge(e.getKey(), e.getValue(), LatestRowPerGroupFn::latest);
        }
      }
    }
    return merged;
  }

  @Override
  public List<Row> extractOutput(AggregatedTable table) {
    List<Row> rows = new ArrayList<>(table.rows.size());
    for (Row r : new TreeMap<>(table.rows).values()) {
      rows.add(r.getRow(ROW));
    }
    return rows;
  }

  private boolean expired(AggregatedTable table, long windowEnd) {
    return retentionMillis != Long.MAX_VALUE
        && table.newestWindowEnd != Long.MIN_VALUE
        && windowEnd <= table.newestWindowEnd - retentionMillis;
  }

  private void evict(AggregatedTable table) {
    if (retentionMillis != Long.MAX_VALUE) {
      table.rows.values().removeIf(r -> expired(table, r.getInt64(WINDOW_END)));
    }
  }

  /** The higher version; on a tie the row added later, which is the newer where both exist. */
  private static Row latest(Row a, Row b) {
    return b.getInt64(VERSION) >= a.getInt64(VERSION) ? b : a;
  }

  @Override
  public Coder<AggregatedTable> getAccumulatorCoder(CoderRegistry registry, Coder<Row> input) {
    return new AggregatedTable.TableCoder(versionedSchema);
  }

  @Override
  public Coder<List<Row>> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> input) {
    return ListCoder.of(RowCoder.of(versionedSchema.getField(ROW).getType().getRowSchema()));
  }
}
