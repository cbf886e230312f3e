package io.aggregator.sql.functions;

import java.util.List;
import java.util.Set;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.SchemaPlus;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.type.SqlTypeName;

/**
 * The aggregate functions the product adds to Beam SQL (SPEC §4), registered for every query:
 * {@code COUNT_DISTINCT(x)} (exact), {@code APPROX_COUNT_DISTINCT(x)} (HyperLogLog, 1.6% standard
 * error), {@code MAX_BY(x, y)} and {@code MIN_BY(x, y)}.
 */
public final class SqlFunctions {

  public static final String COUNT_DISTINCT = "COUNT_DISTINCT";
  public static final String APPROX_COUNT_DISTINCT = "APPROX_COUNT_DISTINCT";
  public static final String MAX_BY = "MAX_BY";
  public static final String MIN_BY = "MIN_BY";

  /** Every name we register, in upper case (Beam SQL matches function names as written). */
  public static final Set<String> NAMES = Set.of(COUNT_DISTINCT, APPROX_COUNT_DISTINCT, MAX_BY, MIN_BY);

  private SqlFunctions() {}

  /** Adds the functions to {@code schema}, in upper and lower case. */
  public static void registerAll(SchemaPlus schema) {
    for (String name : List.of(COUNT_DISTINCT, COUNT_DISTINCT.toLowerCase())) {
      schema.add(name, new TypedUdaf(new CountDistinctFn(), List.of(SqlTypeName.ANY), SqlTypeName.BIGINT));
    }
    for (String name : List.of(APPROX_COUNT_DISTINCT, APPROX_COUNT_DISTINCT.toLowerCase())) {
      schema.add(
          name, new TypedUdaf(new ApproxCountDistinctFn(), List.of(SqlTypeName.ANY), SqlTypeName.BIGINT));
    }
    for (SqlValues.Kind kind : SqlValues.Kind.values()) {
      SqlTypeName x = SqlTypeName.valueOf(kind.name());
      for (String name : List.of(MAX_BY, MAX_BY.toLowerCase())) {
        schema.add(name, new TypedUdaf(ByFn.maxBy(kind), List.of(x, SqlTypeName.ANY), x));
      }
      for (String name : List.of(MIN_BY, MIN_BY.toLowerCase())) {
        schema.add(name, new TypedUdaf(ByFn.minBy(kind), List.of(x, SqlTypeName.ANY), x));
      }
    }
  }
}
