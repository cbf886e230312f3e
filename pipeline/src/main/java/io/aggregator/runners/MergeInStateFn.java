package io.aggregator.runners;

import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * One accumulator per key in state, emitted each time a partial changes it ({@link
 * AccumulateInState}), for Spark Streaming, whose stateful DoFns take no timers. Its partials come
 * one per key and micro-batch partition ({@link CombineInBundleFn}), so a key is emitted at most
 * that often per batch interval: the rate the trigger it replaces fired at.
 */
final class MergeInStateFn<K, AccumT, OutputT> extends DoFn<KV<K, AccumT>, KV<K, OutputT>> {

  private final CombineFn<?, AccumT, OutputT> fn;

  @StateId("accumulator")
  private final StateSpec<ValueState<AccumT>> accumulatorSpec;

  MergeInStateFn(CombineFn<?, AccumT, OutputT> fn, Coder<AccumT> accumulatorCoder) {
    this.fn = fn;
    this.accumulatorSpec = StateSpecs.value(accumulatorCoder);
  }

  @ProcessElement
  public void process(
      @Element KV<K, AccumT> partial,
      @StateId("accumulator") ValueState<AccumT> accumulator,
      OutputReceiver<KV<K, OutputT>> out) {
    AccumT current = accumulator.read();
    AccumT merged =
        current == null
            ? partial.getValue()
            : fn.mergeAccumulators(List.of(current, partial.getValue()));
    accumulator.write(merged);
    out.output(KV.of(partial.getKey(), fn.extractOutput(merged)));
  }
}
