package io.aggregator.sql.nested;

import io.aggregator.sql.SqlFile;
import io.aggregator.sql.functions.SnapshotAggregates;
import io.aggregator.sql.functions.SqlFunctions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.DataContext;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.jdbc.CalciteConnection;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.linq4j.Enumerable;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.linq4j.Linq4j;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rel.type.RelDataType;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.ScannableTable;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.SchemaPlus;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.impl.AbstractTable;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.type.SqlTypeName;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * The second query of a file, prepared once and evaluated on one snapshot of table {@code
 * AGGREGATED} at a time.
 *
 * <p>Why not a second Beam {@code SqlTransform}: Beam has no retractions, so a second transform
 * re-aggregates every pane it ever received (measured on Direct and Flink: a SUM of 2434 for a true 435),
 * and giving each snapshot its own event-time window makes every nested result wait for the
 * watermark, i.e. {@code --allowLateFor} behind real time. A snapshot is instead one element, and
 * the query runs over it here, on Calcite's in-memory engine: the same parser and validator as
 * Beam SQL (Java lexical rules), the product's functions ({@link SnapshotAggregates}), and
 * everything Calcite can execute, {@code ROW_NUMBER() OVER} included. One evaluation is one
 * result, so there is nothing to retract.
 *
 * <p>Not thread-safe: one instance per DoFn instance.
 */
public final class SnapshotQuery implements AutoCloseable {

  /** Beam's vendored Calcite renames the driver's URL prefix along with its packages. */
  private static final String CONNECT_STRING = "jdbc:beam-vendor-calcite:";

  private static final Calendar UTC = Calendar.getInstance(TimeZone.getTimeZone("UTC"));

  private final Connection connection;
  private final PreparedStatement statement;
  private final SnapshotTable table;
  private final Schema resultSchema;

  private SnapshotQuery(
      Connection connection, PreparedStatement statement, SnapshotTable table, Schema result) {
    this.connection = connection;
    this.statement = statement;
    this.table = table;
    this.resultSchema = result;
  }

  /**
   * Plans {@code query} over a table {@code AGGREGATED} of {@code aggregatedSchema}.
   *
   * @throws IllegalArgumentException with the planner's message (positions as in the file)
   */
  public static SnapshotQuery prepare(String query, Schema aggregatedSchema) {
    Properties props = new Properties();
    props.setProperty("lex", "JAVA");
    // Timestamps are UTC instants throughout the product; never the JVM's zone.
    props.setProperty("timeZone", "UTC");
    Connection connection = null;
    try {
      connection = new SnapshotDriver().connect(CONNECT_STRING, props);
      SchemaPlus root = connection.unwrap(CalciteConnection.class).getRootSchema();
      SnapshotTable table = new SnapshotTable(aggregatedSchema);
      root.add(SqlFile.AGGREGATED_TABLE, table);
      SnapshotAggregates.registerAll(root);
      PreparedStatement statement = connection.prepareStatement(SqlFunctions.rewrite(query));
      Schema result = resultSchema(statement.getMetaData());
      return new SnapshotQuery(connection, statement, table, result);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw new IllegalArgumentException(plannerMessage(e), e);
    }
  }

  /** The schema of the rows {@link #evaluate} returns. */
  public Schema resultSchema() {
    return resultSchema;
  }

  /** The query's result over {@code aggregated}, the complete current first-query table. */
  public List<Row> evaluate(List<Row> aggregated) {
    table.rows = table.toCalcite(aggregated);
    List<Row> out = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        out.add(toRow(rs));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the for_each_batch query failed: " + plannerMessage(e), e);
    } finally {
      table.rows = List.of();
    }
    return out;
  }

  @Override
  public void close() {
    closeQuietly(connection);
  }

  private Row toRow(ResultSet rs) throws SQLException {
    Row.Builder row = Row.withSchema(resultSchema);
    for (int i = 0; i < resultSchema.getFieldCount(); i++) {
      Schema.TypeName type = resultSchema.getField(i).getType().getTypeName();
      Object v;
      switch (type) {
        case INT64:
          v = rs.getLong(i + 1);
          break;
        case INT32:
          v = rs.getInt(i + 1);
          break;
        case DOUBLE:
          v = rs.getDouble(i + 1);
          break;
        case FLOAT:
          v = rs.getFloat(i + 1);
          break;
        case BOOLEAN:
          v = rs.getBoolean(i + 1);
          break;
        case DECIMAL:
          v = rs.getBigDecimal(i + 1);
          break;
        case DATETIME:
          Timestamp ts = rs.getTimestamp(i + 1, UTC);
          v = ts == null ? null : new Instant(ts.getTime());
          break;
        default:
          v = rs.getString(i + 1);
      }
      row.addValue(rs.wasNull() ? null : v);
    }
    return row.build();
  }

  private static Schema resultSchema(ResultSetMetaData meta) throws SQLException {
    Schema.Builder schema = Schema.builder();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      schema.addNullableField(meta.getColumnLabel(i), beamType(meta.getColumnType(i)));
    }
    return schema.build();
  }

  private static Schema.FieldType beamType(int sqlType) {
    switch (sqlType) {
      case Types.BIGINT:
        return Schema.FieldType.INT64;
      case Types.INTEGER:
      case Types.SMALLINT:
      case Types.TINYINT:
        return Schema.FieldType.INT32;
      case Types.DOUBLE:
      case Types.FLOAT:
        return Schema.FieldType.DOUBLE;
      case Types.REAL:
        return Schema.FieldType.FLOAT;
      case Types.DECIMAL:
      case Types.NUMERIC:
        return Schema.FieldType.DECIMAL;
      case Types.BOOLEAN:
        return Schema.FieldType.BOOLEAN;
      case Types.TIMESTAMP:
      case Types.TIMESTAMP_WITH_TIMEZONE:
        return Schema.FieldType.DATETIME;
      default:
        return Schema.FieldType.STRING;
    }
  }

  /** The first message that names a position in the query, else the innermost message. */
  private static String plannerMessage(Throwable e) {
    String innermost = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("From line ")) {
        return m;
      }
      innermost = m == null ? innermost : m;
    }
    return innermost == null ? e.toString() : innermost;
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Nothing to recover: the connection holds no external resource.
    }
  }

  /** Table {@code AGGREGATED}: whatever snapshot is being evaluated, as Calcite's rows. */
  static final class SnapshotTable extends AbstractTable implements ScannableTable {
    private final Schema schema;
    List<Object[]> rows = List.of();

    SnapshotTable(Schema schema) {
      this.schema = schema;
      for (Schema.Field f : schema.getFields()) {
        sqlType(f); // refuse types the engine cannot read now, not at the first snapshot
      }
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory typeFactory) {
      RelDataTypeFactory.Builder builder = typeFactory.builder();
      for (Schema.Field f : schema.getFields()) {
        builder.add(f.getName(), sqlType(f)).nullable(true);
      }
      return builder.build();
    }

    @Override
    public Enumerable<Object[]> scan(DataContext root) {
      return Linq4j.asEnumerable(rows);
    }

    /** Beam values as Calcite's internal ones: timestamps as epoch milliseconds. */
    List<Object[]> toCalcite(List<Row> aggregated) {
      List<Object[]> out = new ArrayList<>(aggregated.size());
      int n = schema.getFieldCount();
      for (Row r : aggregated) {
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
          Object v = r.getValue(i);
          values[i] = v instanceof ReadableInstant ? (Object) ((ReadableInstant) v).getMillis() : v;
        }
        out.add(values);
      }
      return out;
    }

    private static SqlTypeName sqlType(Schema.Field f) {
      switch (f.getType().getTypeName()) {
        case INT64:
          return SqlTypeName.BIGINT;
        case INT32:
          return SqlTypeName.INTEGER;
        case INT16:
          return SqlTypeName.SMALLINT;
        case BYTE:
          return SqlTypeName.TINYINT;
        case DOUBLE:
          return SqlTypeName.DOUBLE;
        case FLOAT:
          return SqlTypeName.REAL;
        case DECIMAL:
          return SqlTypeName.DECIMAL;
        case STRING:
          return SqlTypeName.VARCHAR;
        case BOOLEAN:
          return SqlTypeName.BOOLEAN;
        case DATETIME:
          return SqlTypeName.TIMESTAMP;
        default:
          throw new IllegalArgumentException(
              "column '"
                  + f.getName()
                  + "' of AGGREGATED has type "
                  + f.getType()
                  + ", which the for_each_batch query cannot read; cast it in the main query");
      }
    }
  }
}
