package io.aggregator.runners;

import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;

/**
 * Combines within each bundle before the shuffle, for runners that do not. Beam 2.62's Flink
 * runner translates a streaming {@code Combine.perKey} (every GROUP BY of Beam SQL) into a keyed
 * window operator that receives every event over the network and updates its state once per
 * event; only its batch translation combines before the shuffle. The DirectRunner, too, groups
 * every event and runs the trigger for each. This replaces each such combine with {@link
 * CombineInBundleFn} (one accumulator per key and window per bundle, on the sending side) followed
 * by a combine that merges those accumulators ({@link MergeAccumulatorsFn}).
 *
 * <p><b>Why the results and their timing stay the same.</b> A {@link CombineFn} is associative by
 * contract, so merging partial accumulators gives the value adding the events one by one gives.
 * An accumulator leaves at the end of its bundle (or, when the step holds {@link
 * CombineInBundleFn#MAX_PARTIALS}, while the bundle is still being processed) with the timestamp
 * the window's timestamp combiner gives its events, in their window. It is never later than its
 * events were: Flink's
 * {@code DoFnOperator} does not forward a watermark while a bundle is open, precisely so that what
 * a bundle buffers cannot fall behind it, and the DirectRunner's watermark waits for the bundles
 * still being processed. The triggers (docs/semantics.md, "Triggers and write methods") are watermark and
 * processing-time triggers, which do not count elements, so fewer, larger inputs fire the same
 * panes; processing-time firings may come up to one bundle time ({@code --maxBundleTimeMills}, 1 s
 * on Flink) later. Merging windows (SESSION) are left alone: their windows are only known after
 * the shuffle.
 *
 * <p>How much it saves depends on the events per key and window in one bundle, hence the larger
 * {@code --maxBundleSize} in {@code runner-profiles/flink.conf}. The counters {@code
 * combined_before_shuffle_inputs} and {@code _partials} (logged when a job ends) say how much.
 */
public final class CombineBeforeShuffle {

  private CombineBeforeShuffle() {}

  /** What a runner does with the inputs of a combine after the shuffle. */
  public enum GroupedInputs {
    /**
     * Each is added once into the accumulator the runner keeps in state, then dropped (Flink's
     * window operator): a partial may be merged in place, as Beam's own hot-key fan-out merges
     * them ({@code Combine.PerKeyWithHotKeyFanout}).
     */
    ADDED_ONCE,
    /**
     * They are kept, and combined again at every firing (the DirectRunner): a merge must not
     * change them, so each partial is copied before it is merged; and combines in the global
     * window are left alone, since a query without a window fires every batch interval for ever
     * and would copy every partial every time (measured with the nested benchmark, 20,000
     * groups: 236.9 s without the rewrite, 325.8 s with it).
     */
    COMBINED_AGAIN_AT_EACH_FIRING
  }

  /** Replaces, in {@code pipeline}, every combine per key this applies to on such a runner. */
  public static void apply(Pipeline pipeline, GroupedInputs groupedInputs) {
    boolean kept = groupedInputs == GroupedInputs.COMBINED_AGAIN_AT_EACH_FIRING;
    pipeline.replaceAll(
        List.of(
            CombineReplacement.override(
                application -> applies(application) && !(kept && inGlobalWindow(application)),
                (fn, outputCoder) -> new CombinedBeforeShuffle<>(fn, outputCoder, kept))));
  }

  private static boolean inGlobalWindow(AppliedPTransform<?, ?, ?> application) {
    PCollection<?> input = mainInput(application);
    return input != null && input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows;
  }

  /** The combine's main input, or null when it is not a PCollection. */
  private static PCollection<?> mainInput(AppliedPTransform<?, ?, ?> application) {
    PValue input = Iterables.getOnlyElement(application.getMainInputs().values());
    return input instanceof PCollection ? (PCollection<?>) input : null;
  }

  /** A combine per key of a plain {@link CombineFn}, over non-merging windows, not our own. */
  static boolean applies(AppliedPTransform<?, ?, ?> application) {
    if (!(application.getTransform() instanceof Combine.PerKey)) {
      return false;
    }
    Combine.PerKey<?, ?, ?> combine = (Combine.PerKey<?, ?, ?>) application.getTransform();
    if (!combine.getSideInputs().isEmpty()
        || !(combine.getFn() instanceof CombineFn)
        || combine.getFn() instanceof MergeAccumulatorsFn) {
      return false;
    }
    PCollection<?> input = mainInput(application);
    return input != null
        && input.getCoder() instanceof KvCoder
        && !input.getWindowingStrategy().needsMerge();
  }

  /** The replacement: combine in each bundle, shuffle the accumulators, merge them per key. */
  static final class CombinedBeforeShuffle<K, InputT, AccumT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {

    private final CombineFn<InputT, AccumT, OutputT> fn;
    private final Coder<KV<K, OutputT>> outputCoder;
    private final boolean copyPartials;

    @SuppressWarnings("unchecked")
    CombinedBeforeShuffle(CombineFn<?, ?, ?> fn, Coder<?> outputCoder, boolean copyPartials) {
      this.fn = (CombineFn<InputT, AccumT, OutputT>) fn;
      this.outputCoder = (Coder<KV<K, OutputT>>) outputCoder;
      this.copyPartials = copyPartials;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      PCollection<KV<K, AccumT>> partials = CombineReplacement.combineInBundle(input, fn);
      Coder<AccumT> accumulatorCoder = ((KvCoder<K, AccumT>) partials.getCoder()).getValueCoder();
      return partials
          .apply(
              "MergeAccumulators",
              Combine.<K, AccumT, OutputT>perKey(
                  new MergeAccumulatorsFn<>(fn, accumulatorCoder, copyPartials)))
          .setCoder(outputCoder);
    }
  }
}
