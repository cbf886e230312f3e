package io.aggregator.runners;

import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * The second half of {@link CombineBeforeShuffle}: its inputs are the partial accumulators of
 * {@code fn}, which it merges; its output is {@code fn}'s.
 */
final class MergeAccumulatorsFn<AccumT, OutputT> extends CombineFn<AccumT, AccumT, OutputT> {

  private final CombineFn<?, AccumT, OutputT> fn;
  private final Coder<AccumT> accumulatorCoder;

  MergeAccumulatorsFn(CombineFn<?, AccumT, OutputT> fn, Coder<AccumT> accumulatorCoder) {
    this.fn = fn;
    this.accumulatorCoder = accumulatorCoder;
  }

  @Override
  public AccumT createAccumulator() {
    return fn.createAccumulator();
  }

  @Override
  public AccumT addInput(AccumT accumulator, AccumT partial) {
    // A merge may write into any of its accumulators: Beam SQL's MIN, MAX and SUM skip null
    // (empty) accumulators and merge into the first one left, which is the input when the running
    // accumulator is still empty. An input must not be changed, so a copy is merged; there is one
    // per key and window per bundle, far fewer than events.
    try {
      return fn.mergeAccumulators(
          Arrays.asList(accumulator, CoderUtils.clone(accumulatorCoder, partial)));
    } catch (CoderException e) {
      throw new IllegalStateException("Cannot copy an accumulator of " + fn, e);
    }
  }

  @Override
  public AccumT mergeAccumulators(Iterable<AccumT> accumulators) {
    return fn.mergeAccumulators(accumulators);
  }

  @Override
  public AccumT compact(AccumT accumulator) {
    return fn.compact(accumulator);
  }

  @Override
  public OutputT extractOutput(AccumT accumulator) {
    return fn.extractOutput(accumulator);
  }

  @Override
  public Coder<AccumT> getAccumulatorCoder(CoderRegistry registry, Coder<AccumT> inputCoder) {
    return accumulatorCoder;
  }
}
