package io.aggregator.sql.functions;

import java.util.Set;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.SchemaPlus;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.impl.AggregateFunctionImpl;
import org.apache.datasketches.hll.HllSketch;

/**
 * The product's aggregate functions for the second query of a file ({@code for_each_batch}),
 * which runs on Calcite's in-memory engine over a snapshot of table {@code AGGREGATED} rather than
 * as a Beam transform. Each class is what Calcite's reflective aggregate needs ({@code init},
 * {@code add}, {@code result}); each delegates to the same logic as the Beam {@code CombineFn}
 * of the main query, so a function gives the same answer in both queries.
 *
 * <p>{@code MAX_BY}/{@code MIN_BY} have one overload per type of {@code x}, as in the main query,
 * so that the result keeps the type of {@code x}. TIMESTAMP is left out here: Calcite's reflective
 * functions convert timestamps through the JVM's time zone. Cast such an {@code x} to VARCHAR.
 */
public final class SnapshotAggregates {

  private SnapshotAggregates() {}

  /** Adds the functions to the schema a snapshot query resolves names in. */
  public static void registerAll(SchemaPlus schema) {
    schema.add(SqlFunctions.COUNT_DISTINCT, AggregateFunctionImpl.create(CountDistinct.class));
    schema.add(SqlFunctions.HLL_NAME, AggregateFunctionImpl.create(ApproxCountDistinct.class));
    schema.add(SqlFunctions.MAX_BY, AggregateFunctionImpl.create(MaxByVarchar.class));
    schema.add(SqlFunctions.MAX_BY, AggregateFunctionImpl.create(MaxByBigint.class));
    schema.add(SqlFunctions.MAX_BY, AggregateFunctionImpl.create(MaxByDouble.class));
    schema.add(SqlFunctions.MAX_BY, AggregateFunctionImpl.create(MaxByBoolean.class));
    schema.add(SqlFunctions.MIN_BY, AggregateFunctionImpl.create(MinByVarchar.class));
    schema.add(SqlFunctions.MIN_BY, AggregateFunctionImpl.create(MinByBigint.class));
    schema.add(SqlFunctions.MIN_BY, AggregateFunctionImpl.create(MinByDouble.class));
    schema.add(SqlFunctions.MIN_BY, AggregateFunctionImpl.create(MinByBoolean.class));
  }

  /** {@code COUNT_DISTINCT(x)}. */
  public static final class CountDistinct {
    private final CountDistinctFn fn = new CountDistinctFn();

    public Set<Object> init() {
      return fn.createAccumulator();
    }

    public Set<Object> add(Set<Object> acc, Object value) {
      return fn.addInput(acc, value);
    }

    public long result(Set<Object> acc) {
      return fn.extractOutput(acc);
    }
  }

  /** {@code APPROX_COUNT_DISTINCT(x)}: the same sketch and precision as the main query's. */
  public static final class ApproxCountDistinct {
    private final ApproxCountDistinctFn fn = new ApproxCountDistinctFn();

    public HllSketch init() {
      return fn.createAccumulator();
    }

    public HllSketch add(HllSketch acc, Object value) {
      return fn.addInput(acc, value);
    }

    public long result(HllSketch acc) {
      return fn.extractOutput(acc);
    }
  }

  /**
   * Shared part of the {@code MAX_BY}/{@code MIN_BY} overloads. Public: javac hides the public
   * methods of a package-private superclass behind bridge methods, which Calcite skips.
   */
  public abstract static class By {
    private final boolean max;

    By(boolean max) {
      this.max = max;
    }

    public ByFn.Best init() {
      return new ByFn.Best();
    }

    ByFn.Best offer(ByFn.Best acc, Object x, Object y) {
      ByFn.offer(acc, max, x, y);
      return acc;
    }
  }

  public static final class MaxByVarchar extends By {
    public MaxByVarchar() {
      super(true);
    }

    public ByFn.Best add(ByFn.Best acc, String x, Object y) {
      return offer(acc, x, y);
    }

    public String result(ByFn.Best acc) {
      return (String) acc.x;
    }
  }

  public static final class MaxByBigint extends By {
    public MaxByBigint() {
      super(true);
    }

    public ByFn.Best add(ByFn.Best acc, Long x, Object y) {
      return offer(acc, x, y);
    }

    public Long result(ByFn.Best acc) {
      return (Long) SqlValues.convert(acc.x, SqlValues.Kind.BIGINT);
    }
  }

  public static final class MaxByDouble extends By {
    public MaxByDouble() {
      super(true);
    }

    public ByFn.Best add(ByFn.Best acc, Double x, Object y) {
      return offer(acc, x, y);
    }

    public Double result(ByFn.Best acc) {
      return (Double) SqlValues.convert(acc.x, SqlValues.Kind.DOUBLE);
    }
  }

  public static final class MaxByBoolean extends By {
    public MaxByBoolean() {
      super(true);
    }

    public ByFn.Best add(ByFn.Best acc, Boolean x, Object y) {
      return offer(acc, x, y);
    }

    public Boolean result(ByFn.Best acc) {
      return (Boolean) acc.x;
    }
  }

  public static final class MinByVarchar extends By {
    public MinByVarchar() {
      super(false);
    }

    public ByFn.Best add(ByFn.Best acc, String x, Object y) {
      return offer(acc, x, y);
    }

    public String result(ByFn.Best acc) {
      return (String) acc.x;
    }
  }

  public static final class MinByBigint extends By {
    public MinByBigint() {
      super(false);
    }

    public ByFn.Best add(ByFn.Best acc, Long x, Object y) {
      return offer(acc, x, y);
    }

    public Long result(ByFn.Best acc) {
      return (Long) SqlValues.convert(acc.x, SqlValues.Kind.BIGINT);
    }
  }

  public static final class MinByDouble extends By {
    public MinByDouble() {
      super(false);
    }

    public ByFn.Best add(ByFn.Best acc, Double x, Object y) {
      return offer(acc, x, y);
    }

    public Double result(ByFn.Best acc) {
      return (Double) SqlValues.convert(acc.x, SqlValues.Kind.DOUBLE);
    }
  }

  public static final class MinByBoolean extends By {
    public MinByBoolean() {
      super(false);
    }

    public ByFn.Best add(ByFn.Best acc, Boolean x, Object y) {
      return offer(acc, x, y);
    }

    public Boolean result(ByFn.Best acc) {
      return (Boolean) acc.x;
    }
  }
}
