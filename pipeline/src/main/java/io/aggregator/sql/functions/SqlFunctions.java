package io.aggregator.sql.functions;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.SchemaPlus;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.type.SqlTypeName;

/**
 * The aggregate functions the product adds to Beam SQL (README, "SQL files"), registered for every query:
 * {@code COUNT_DISTINCT(x)} (exact), {@code APPROX_COUNT_DISTINCT(x)} (HyperLogLog, 1.6% standard
 * error), {@code MAX_BY(x, y)} and {@code MIN_BY(x, y)}.
 */
public final class SqlFunctions {

  public static final String COUNT_DISTINCT = "COUNT_DISTINCT";
  public static final String APPROX_COUNT_DISTINCT = "APPROX_COUNT_DISTINCT";
  public static final String MAX_BY = "MAX_BY";
  public static final String MIN_BY = "MIN_BY";

  /**
   * The name {@code APPROX_COUNT_DISTINCT} is registered under: Calcite has a built-in of that name
   * (which Beam SQL cannot execute) that would shadow ours. Same length, so that positions in
   * planner messages stay true to the file.
   */
  static final String HLL_NAME = "HLL_APPROX_COUNT_DIST";

  private static final Pattern APPROX_CALL =
      Pattern.compile("(?i)\\b" + APPROX_COUNT_DISTINCT + "(?=\\s*\\()");

  private SqlFunctions() {}

  /**
   * Adds the functions to {@code schema}. Calcite finds functions whatever the case they are
   * written in, so each name is registered once: two candidates with an {@code ANY} parameter
   * would fail Calcite's overload resolution.
   */
  public static void registerAll(SchemaPlus schema) {
    schema.add(
        COUNT_DISTINCT,
        new TypedUdaf(new CountDistinctFn(), List.of(SqlTypeName.ANY), SqlTypeName.BIGINT));
    schema.add(
        HLL_NAME,
        new TypedUdaf(new ApproxCountDistinctFn(), List.of(SqlTypeName.ANY), SqlTypeName.BIGINT));
    for (SqlValues.Kind kind : SqlValues.Kind.values()) {
      SqlTypeName x = SqlTypeName.valueOf(kind.name());
      schema.add(MAX_BY, new TypedUdaf(ByFn.maxBy(kind), List.of(x, SqlTypeName.ANY), x));
      schema.add(MIN_BY, new TypedUdaf(ByFn.minBy(kind), List.of(x, SqlTypeName.ANY), x));
    }
  }

  /**
   * {@code query} with the calls of functions registered under another name renamed, outside
   * string literals and quoted identifiers.
   */
  public static String rewrite(String query) {
    StringBuilder out = new StringBuilder(query.length());
    int i = 0;
    while (i < query.length()) {
      char c = query.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int close = query.indexOf(c, i + 1);
        int end = close < 0 ? query.length() : close + 1;
        out.append(query, i, end);
        i = end;
        continue;
      }
      int next = i;
      while (next < query.length() && "'\"`".indexOf(query.charAt(next)) < 0) {
        next++;
      }
      Matcher m = APPROX_CALL.matcher(query.substring(i, next));
      out.append(m.replaceAll(HLL_NAME));
      i = next;
    }
    return out.toString();
  }
}
