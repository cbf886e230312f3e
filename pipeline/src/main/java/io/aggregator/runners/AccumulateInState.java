package io.aggregator.runners;

import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy.AccumulationMode;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;
import org.joda.time.Duration;

/**
 * Keeps one accumulator per key for the combines of a query without a window, on the
 * DirectRunner and Spark Streaming (docs/semantics.md, "State"). Their {@code GroupByKey} under a
 * trigger buffers every input of a key in the global window, which never closes, and combines
 * them all again at every firing: an all-time query's memory and firing cost grew with its
 * events, not its groups. This
 * replaces each such combine with {@link CombineInBundleFn} (one partial per key and bundle) and
 * {@link AccumulateInStateFn} (the partials merged into one accumulator per key in state, emitted
 * every batch interval after a change and when the input ends, as the trigger did).
 *
 * <p>What the replacement does not keep: the pane index of its outputs (a DoFn's outputs carry
 * no firing). The steps after it never order by pane across bundles: the nested table orders a
 * group's rows by their {@code _events}, and the MongoDB sink by {@code _events} against the
 * stored document.
 */
public final class AccumulateInState {

  private AccumulateInState() {}

  /**
   * Replaces every accumulating combine per key in the global window of {@code pipeline}; with
   * {@code timers} its results are emitted as the trigger did ({@link AccumulateInStateFn}),
   * without them at each change ({@link MergeInStateFn}, Spark Streaming).
   */
  public static void apply(Pipeline pipeline, Duration batchInterval, boolean timers) {
    pipeline.replaceAll(
        List.of(
            CombineReplacement.override(
                AccumulateInState::applies,
                (fn, outputCoder) -> new Accumulated<>(fn, outputCoder, batchInterval, timers))));
  }

  static boolean applies(AppliedPTransform<?, ?, ?> application) {
    if (!CombineBeforeShuffle.applies(application)) {
      return false;
    }
    PCollection<?> input =
        (PCollection<?>) Iterables.getOnlyElement(application.getMainInputs().values());
    return input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows
        && input.getWindowingStrategy().getMode() == AccumulationMode.ACCUMULATING_FIRED_PANES;
  }

  /** The replacement: combine in each bundle, then merge into the key's state. */
  static final class Accumulated<K, InputT, AccumT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {

    private final CombineFn<InputT, AccumT, OutputT> fn;
    private final Coder<KV<K, OutputT>> outputCoder;
    private final Duration batchInterval;
    private final boolean timers;

    @SuppressWarnings("unchecked")
    Accumulated(CombineFn<?, ?, ?> fn, Coder<?> outputCoder, Duration batchInterval, boolean timers) {
      this.fn = (CombineFn<InputT, AccumT, OutputT>) fn;
      this.outputCoder = (Coder<KV<K, OutputT>>) outputCoder;
      this.batchInterval = batchInterval;
      this.timers = timers;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      PCollection<KV<K, AccumT>> partials = CombineReplacement.combineInBundle(input, fn);
      KvCoder<K, AccumT> partialCoder = (KvCoder<K, AccumT>) partials.getCoder();
      DoFn<KV<K, AccumT>, KV<K, OutputT>> accumulate = timers
          ? new AccumulateInStateFn<K, AccumT, OutputT>(
              fn, partialCoder.getKeyCoder(), partialCoder.getValueCoder(), batchInterval)
          : new MergeInStateFn<K, AccumT, OutputT>(fn, partialCoder.getValueCoder());
      return partials.apply("AccumulateInState", ParDo.of(accumulate)).setCoder(outputCoder);
    }
  }
}
