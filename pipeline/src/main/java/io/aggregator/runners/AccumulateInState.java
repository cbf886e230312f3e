package io.aggregator.runners;

import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.ReplacementOutputs;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy.AccumulationMode;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;
import org.joda.time.Duration;

/**
 * Keeps one accumulator per key for the combines of a query without a window, on the
 * DirectRunner (docs/semantics.md, "State"). Its {@code GroupByKey} under a trigger buffers every
 * input of a key in the global window, which never closes, and combines them all again at every
 * firing: an all-time query's memory and firing cost grew with its events, not its groups. This
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

  /** Replaces every accumulating combine per key in the global window of {@code pipeline}. */
  public static void apply(Pipeline pipeline, Duration batchInterval) {
    pipeline.replaceAll(
        List.of(PTransformOverride.of(AccumulateInState::applies, new Factory<>(batchInterval))));
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

  private static final class Factory<K, InputT, AccumT, OutputT>
      implements PTransformOverrideFactory<
          PCollection<KV<K, InputT>>,
          PCollection<KV<K, OutputT>>,
          Combine.PerKey<K, InputT, OutputT>> {

    private final Duration batchInterval;

    Factory(Duration batchInterval) {
      this.batchInterval = batchInterval;
    }

    @Override
    @SuppressWarnings("unchecked")
    public PTransformReplacement<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>>
        getReplacementTransform(
            AppliedPTransform<
                    PCollection<KV<K, InputT>>,
                    PCollection<KV<K, OutputT>>,
                    Combine.PerKey<K, InputT, OutputT>>
                transform) {
      PCollection<KV<K, OutputT>> output =
          (PCollection<KV<K, OutputT>>) Iterables.getOnlyElement(transform.getOutputs().values());
      return PTransformReplacement.of(
          PTransformReplacements.getSingletonMainInput(transform),
          new Accumulated<>(
              (CombineFn<InputT, AccumT, OutputT>) transform.getTransform().getFn(),
              output.getCoder(),
              batchInterval));
    }

    @Override
    public Map<PCollection<?>, ReplacementOutput> mapOutputs(
        Map<TupleTag<?>, PCollection<?>> outputs, PCollection<KV<K, OutputT>> newOutput) {
      return ReplacementOutputs.singleton(outputs, newOutput);
    }
  }

  /** The replacement: combine in each bundle, then merge into the key's state. */
  static final class Accumulated<K, InputT, AccumT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {

    private final CombineFn<InputT, AccumT, OutputT> fn;
    private final Coder<KV<K, OutputT>> outputCoder;
    private final Duration batchInterval;

    Accumulated(
        CombineFn<InputT, AccumT, OutputT> fn, Coder<KV<K, OutputT>> outputCoder, Duration batchInterval) {
      this.fn = fn;
      this.outputCoder = outputCoder;
      this.batchInterval = batchInterval;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      KvCoder<K, InputT> inputCoder = (KvCoder<K, InputT>) input.getCoder();
      Coder<AccumT> accumulatorCoder;
      try {
        accumulatorCoder =
            fn.getAccumulatorCoder(input.getPipeline().getCoderRegistry(), inputCoder.getValueCoder());
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException("No coder for the accumulators of " + fn, e);
      }
      return input
          .apply("CombineInBundle",
              ParDo.of(new CombineInBundleFn<K, InputT, AccumT>(
                  fn, inputCoder.getKeyCoder(), input.getWindowingStrategy().getTimestampCombiner())))
          .setCoder(KvCoder.of(inputCoder.getKeyCoder(), accumulatorCoder))
          .apply("AccumulateInState",
              ParDo.of(new AccumulateInStateFn<K, AccumT, OutputT>(
                  fn, inputCoder.getKeyCoder(), accumulatorCoder, batchInterval)))
          .setCoder(outputCoder);
    }
  }
}
