package io.aggregator.sql;

import java.io.Serializable;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * The identity of a result row's group, as text: the query's own {@code _id} column when it
 * selects one, else one derived from the group-by columns and the window start
 * ({@code i-4#click#2024-10-28T12:00:00Z}; {@link #WHOLE_ID} for a query with neither). It is the
 * MongoDB document id, and the key under which the nested query keeps the latest row of each group
 * (docs/semantics.md, "Document ids").
 */
public final class GroupId implements Serializable {

  /** The id of the single row of a query with neither GROUP BY nor window. */
  public static final String WHOLE_ID = "all";

  static final String SEPARATOR = "#";

  private final QueryShape shape;

  public GroupId(QueryShape shape) {
    this.shape = shape;
  }

  /** The id of {@code row}'s group: the query's {@code _id}, else the derived one. */
  public String of(Row row) {
    return shape.hasIdColumn() ? String.valueOf(row.getValue(QueryShape.ID_COLUMN)) : derived(row);
  }

  /** {@code key1#key2#windowStart}, e.g. {@code i-4#click#2024-10-28T12:00:00Z}. */
  public String derived(Row row) {
    StringBuilder sb = new StringBuilder();
    for (String key : shape.keyColumns()) {
      if (sb.length() > 0) {
        sb.append(SEPARATOR);
      }
      sb.append(text(row.getValue(key)));
    }
    String ws = shape.windowStartColumn();
    if (ws != null) {
      if (sb.length() > 0) {
        sb.append(SEPARATOR);
      }
      sb.append(text(row.getValue(ws)));
    }
    return sb.length() == 0 ? WHOLE_ID : sb.toString();
  }

  private static String text(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof ReadableInstant) {
      return java.time.Instant.ofEpochMilli(((ReadableInstant) v).getMillis()).toString();
    }
    return v.toString();
  }
}
