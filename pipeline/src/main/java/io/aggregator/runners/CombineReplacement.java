package io.aggregator.runners;

import java.util.Map;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformMatcher;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.ReplacementOutputs;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;

/**
 * What the rewrites of Beam SQL's combines share ({@link CombineBeforeShuffle}, {@link
 * AccumulateInState}): replacing a {@code Combine.perKey} by a transform built from its {@link
 * CombineFn} and output coder, and their common first half, {@link CombineInBundleFn}.
 */
final class CombineReplacement {

  /** Builds the replacement of a combine from its function and the coder of its output. */
  interface Builder {
    PTransform<? extends PCollection<?>, ? extends PCollection<?>> build(
        CombineFn<?, ?, ?> fn, Coder<?> outputCoder);
  }

  private CombineReplacement() {}

  /** An override replacing each combine {@code matcher} matches with what {@code builder} builds. */
  static PTransformOverride override(PTransformMatcher matcher, Builder builder) {
    return PTransformOverride.of(matcher, new Factory<>(builder));
  }

  /** One partial accumulator per key and window per bundle, with the accumulators' coder set. */
  static <K, InputT, AccumT> PCollection<KV<K, AccumT>> combineInBundle(
      PCollection<KV<K, InputT>> input, CombineFn<InputT, AccumT, ?> fn) {
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
                fn, inputCoder.getKeyCoder(), input.getWindowingStrategy().getTimestampCombiner(),
                CombineInBundleFn.MAX_PARTIALS)))
        .setCoder(KvCoder.of(inputCoder.getKeyCoder(), accumulatorCoder));
  }

  private static final class Factory<K, InputT, OutputT>
      implements PTransformOverrideFactory<
          PCollection<KV<K, InputT>>,
          PCollection<KV<K, OutputT>>,
          Combine.PerKey<K, InputT, OutputT>> {

    private final Builder builder;

    Factory(Builder builder) {
      this.builder = builder;
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
          (PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>>)
              builder.build((CombineFn<?, ?, ?>) transform.getTransform().getFn(), output.getCoder()));
    }

    @Override
    public Map<PCollection<?>, ReplacementOutput> mapOutputs(
        Map<TupleTag<?>, PCollection<?>> outputs, PCollection<KV<K, OutputT>> newOutput) {
      return ReplacementOutputs.singleton(outputs, newOutput);
    }
  }
}
