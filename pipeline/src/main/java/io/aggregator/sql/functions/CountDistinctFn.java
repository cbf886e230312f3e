package io.aggregator.sql.functions;

import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SetCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * {@code COUNT_DISTINCT(x)}: the exact number of distinct non-null values, as {@code COUNT(DISTINCT
 * x)} (which Beam SQL refuses). Memory grows with the distinct values of a group; use {@code
 * APPROX_COUNT_DISTINCT} where that is large.
 */
public class CountDistinctFn extends CombineFn<Object, Set<Object>, Long> {

  @Override
  public Set<Object> createAccumulator() {
    return new HashSet<>();
  }

  @Override
  public Set<Object> addInput(Set<Object> acc, Object value) {
    if (value != null) {
      acc.add(SqlValues.normalize(value));
    }
    return acc;
  }

  @Override
  public Set<Object> mergeAccumulators(Iterable<Set<Object>> accs) {
    Set<Object> merged = null;
    for (Set<Object> a : accs) {
      if (merged == null) {
        merged = a;
      } else {
        merged.addAll(a);
      }
    }
    return merged == null ? createAccumulator() : merged;
  }

  @Override
  public Long extractOutput(Set<Object> acc) {
    return (long) acc.size();
  }

  @Override
  public Coder<Set<Object>> getAccumulatorCoder(CoderRegistry registry, Coder<Object> inputCoder) {
    return SetCoder.of(AnyValueCoder.INSTANCE);
  }

  @Override
  public Coder<Long> getDefaultOutputCoder(CoderRegistry registry, Coder<Object> inputCoder) {
    return org.apache.beam.sdk.coders.VarLongCoder.of();
  }
}
