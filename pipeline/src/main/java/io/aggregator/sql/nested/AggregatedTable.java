package io.aggregator.sql.nested;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The accumulator of {@link LatestRowPerGroupFn}: table {@code AGGREGATED} as the latest versioned
 * row per group id, and the end of the newest window any row has had, from which the retention
 * horizon is measured (docs/semantics.md, "Nested queries").
 */
final class AggregatedTable {

  final Map<String, Row> rows;
  long newestWindowEnd;

  AggregatedTable() {
    this(new HashMap<>(), Long.MIN_VALUE);
  }

  private AggregatedTable(Map<String, Row> rows, long newestWindowEnd) {
    this.rows = rows;
    this.newestWindowEnd = newestWindowEnd;
  }

  /** Encodes the horizon, then the rows: Flink's heap state copies accumulators through it. */
  static final class TableCoder extends CustomCoder<AggregatedTable> {
    private final Coder<Map<String, Row>> rowsCoder;

    TableCoder(Schema versionedSchema) {
      this.rowsCoder = MapCoder.of(StringUtf8Coder.of(), RowCoder.of(versionedSchema));
    }

    @Override
    public void encode(AggregatedTable table, OutputStream out) throws IOException {
      VarLongCoder.of().encode(table.newestWindowEnd, out);
      rowsCoder.encode(table.rows, out);
    }

    @Override
    public AggregatedTable decode(InputStream in) throws IOException {
      long newest = VarLongCoder.of().decode(in);
      return new AggregatedTable(new HashMap<>(rowsCoder.decode(in)), newest);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(this, "a hash map's order is not fixed");
    }
  }
}
