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
 *
 * <p>Distinct groups get distinct ids, whatever their values: a {@code #} or {@code \} inside a
 * value is escaped with a backslash, and a null is {@code \N}, which no escaped value can be. So
 * the groups ({@code a#b}, {@code c}) and ({@code a}, {@code b#c}) get {@code a\#b#c} and {@code
 * a#b\#c}, and a null never shares the document of the string {@code "null"}. Values without
 * either character, the common case, read as they are.
 */
public final class GroupId implements Serializable {

  /** The id of the single row of a query with neither GROUP BY nor window. */
  public static final String WHOLE_ID = "all";

  static final char SEPARATOR = '#';
  static final char ESCAPE = '\\';
  /** A null value: a backslash that escapes nothing, so no value's text can equal it. */
  static final String NULL = "\\N";

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
      return NULL;
    }
    if (v instanceof ReadableInstant) {
      return java.time.Instant.ofEpochMilli(((ReadableInstant) v).getMillis()).toString();
    }
    return escape(v.toString());
  }

  /** {@code s} with every {@code #} and {@code \} escaped by a backslash. */
  static String escape(String s) {
    if (s.indexOf(SEPARATOR) < 0 && s.indexOf(ESCAPE) < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == SEPARATOR || c == ESCAPE) {
        sb.append(ESCAPE);
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
