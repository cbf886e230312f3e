package io.aggregator.sql.functions;

import java.math.BigDecimal;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/** Comparison and conversion of the SQL values our functions see at run time. */
public final class SqlValues {

  /**
   * The SQL result types a function may be declared to return. One integer type only: Calcite
   * ranks overloads by the argument type's precedence list, and INTEGER arguments then resolve to
   * BIGINT (widening), never the reverse.
   */
  public enum Kind {
    VARCHAR,
    BIGINT,
    DOUBLE,
    BOOLEAN,
    TIMESTAMP
  }

  private SqlValues() {}

  /** One representation per value: any instant becomes a joda {@link Instant}. */
  static Object normalize(Object v) {
    if (v instanceof ReadableInstant && !(v instanceof Instant)) {
      return new Instant(((ReadableInstant) v).getMillis());
    }
    return v;
  }

  /** Orders two non-null values of one column; numbers of different classes compare by value. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compare(Object a, Object b) {
    if (a instanceof Number && b instanceof Number && a.getClass() != b.getClass()) {
      return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString()));
    }
    return ((Comparable) a).compareTo(b);
  }

  /** {@code v} as the Java class Beam SQL expects for {@code kind}. */
  static Object convert(Object v, Kind kind) {
    if (v == null) {
      return null;
    }
    switch (kind) {
      case BIGINT:
        return v instanceof Number ? ((Number) v).longValue() : v;
      case DOUBLE:
        return v instanceof Number ? ((Number) v).doubleValue() : v;
      case VARCHAR:
        return v instanceof String ? v : v.toString();
      default:
        return v;
    }
  }
}
