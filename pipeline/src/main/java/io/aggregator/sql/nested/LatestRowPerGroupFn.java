package io.aggregator.sql.nested;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.values.Row;

/**
 * Materialises table {@code AGGREGATED}: of all the rows the first query emitted for a group (a
 * group of its GROUP BY and window), keeps the one of the latest pane, which in accumulating mode
 * is the group's complete current value. The output is the whole table, ordered by group id so
 * that a query over it sees the same order on every runner.
 *
 * <p>Input rows are {@link #versioned} rows: the group id, the pane index and the first query's
 * row. Pane indices only grow within a group, so "highest version wins" is order-independent and
 * the function is a true CombineFn (associative, commutative), whatever the runner's bundling.
 */
public class LatestRowPerGroupFn extends CombineFn<Row, Map<String, Row>, List<Row>> {

  public static final String GROUP = "group";
  public static final String VERSION = "version";
  public static final String ROW = "row";

  private final Schema versionedSchema;

  public LatestRowPerGroupFn(Schema aggregatedSchema) {
    this.versionedSchema = versioned(aggregatedSchema);
  }

  /** The schema of the input: group id, version, the first query's row. */
  public static Schema versioned(Schema aggregatedSchema) {
    return Schema.builder()
        .addStringField(GROUP)
        .addInt64Field(VERSION)
        .addRowField(ROW, aggregatedSchema)
        .build();
  }

  @Override
  public Map<String, Row> createAccumulator() {
    return new HashMap<>();
  }

  @Override
  public Map<String, Row> addInput(Map<String, Row> table, Row versionedRow) {
    table.merge(versionedRow.getString(GROUP), versionedRow, LatestRowPerGroupFn::latest);
    return table;
  }

  @Override
  public Map<String, Row> mergeAccumulators(Iterable<Map<String, Row>> tables) {
    Map<String, Row> merged = createAccumulator();
    for (Map<String, Row> t : tables) {
      t.forEach((group, row) -> merged.merge(group, row, LatestRowPerGroupFn::latest));
    }
    return merged;
  }

  @Override
  public List<Row> extractOutput(Map<String, Row> table) {
    List<Row> rows = new ArrayList<>(table.size());
    for (Row r : new TreeMap<>(table).values()) {
      rows.add(r.getRow(ROW));
    }
    return rows;
  }

  private static Row latest(Row a, Row b) {
    return b.getInt64(VERSION) > a.getInt64(VERSION) ? b : a;
  }

  @Override
  public Coder<Map<String, Row>> getAccumulatorCoder(CoderRegistry registry, Coder<Row> input) {
    return MapCoder.of(StringUtf8Coder.of(), RowCoder.of(versionedSchema));
  }

  @Override
  public Coder<List<Row>> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> input) {
    return ListCoder.of(RowCoder.of(versionedSchema.getField(ROW).getType().getRowSchema()));
  }
}
