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
  private final boolean copyPartials;

  /**
   * @param copyPartials whether a partial is copied before it is merged: needed where the runner
   *     combines its inputs again at every firing ({@link CombineBeforeShuffle.GroupedInputs})
   */
  MergeAccumulatorsFn(
      CombineFn<?, AccumT, OutputT> fn, Coder<AccumT> accumulatorCoder, boolean copyPartials) {
    this.fn = fn;
    this.accumulatorCoder = accumulatorCoder;
    this.copyPartials = copyPartials;
  }

  @Override
  public AccumT createAccumulator() {
    return fn.createAccumulator();
  }

  @Override
  public AccumT addInput(AccumT accumulator, AccumT partial) {
    // A merge may write into any of its accumulators: Beam SQL's MIN, MAX and SUM skip null
    // (empty) accumulators and merge into the first one left, which is the partial while the
    // running accumulator is still empty. Where the runner combines its inputs again at the next
    // firing, the partial is copied first; there is one per key and window per bundle.
    AccumT input = partial;
    if (copyPartials) {
      try {
        input = CoderUtils.clone(accumulatorCoder, partial);
      } catch (CoderException e) {
        throw new IllegalStateException("Cannot copy an accumulator of " + fn, e);
      }
    }
    return fn.mergeAccumulators(Arrays.asList(accumulator, input));
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
