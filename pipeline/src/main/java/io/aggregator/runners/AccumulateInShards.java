package io.aggregator.runners;

import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;
import org.joda.time.Duration;

/**
 * Keeps the windowed combines of an unbounded job on the DirectRunner in a few shards of groups
 * rather than one key per group (docs/semantics.md, "State"). The DirectRunner's cost is per key:
 * under the trigger every group of an open window held two timers, which the runner visited each
 * time it looked for work, and each group's pane was a bundle of its own, written to MongoDB
 * alone (README, "An unbounded Direct job"). Here each combine becomes {@link CombineInBundleFn}
 * (one partial per group and window per bundle), a step that keys each partial by one of {@link
 * #SHARDS} shards of its group, and {@link AccumulateInShardsFn}, which keeps the groups of a
 * shard and window in one map with one timer per kind, and emits the panes the trigger would:
 * the same early panes, each a batch interval after a group's first change, and the same on-time
 * panes with their indexes, a shard's at once.
 *
 * <p>Only what that trigger covers is replaced: non-merging windows (TUMBLE, HOP; a SESSION's
 * windows are only known after the shuffle), this job's triggers ({@code time/ApplyTriggerPolicy}),
 * allowed lateness zero and end-of-window timestamps. A bounded replay keeps the grouping: every
 * window stays open until its input ends, and the DirectRunner copies a shard's state (every group
 * of the window) into each bundle that touches it.
 */
public final class AccumulateInShards {

  /** Shards per window: a few per worker thread, so that shards run side by side. */
  static final int SHARDS = 8;

  private AccumulateInShards() {}

  /** Replaces every combine of an unbounded windowed input of {@code pipeline} this covers. */
  public static void apply(Pipeline pipeline, Duration batchInterval) {
    apply(pipeline, batchInterval, SHARDS);
  }

  static void apply(Pipeline pipeline, Duration batchInterval, int shards) {
    pipeline.replaceAll(List.of(CombineReplacement.override(
        application -> applies(application, batchInterval),
        (fn, outputCoder) -> new Sharded<>(fn, outputCoder, batchInterval, shards))));
  }

  static boolean applies(AppliedPTransform<?, ?, ?> application, Duration batchInterval) {
    if (!CombineBeforeShuffle.applies(application)) {
      return false;
    }
    PCollection<?> input =
        (PCollection<?>) Iterables.getOnlyElement(application.getMainInputs().values());
    WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
    return input.isBounded() == PCollection.IsBounded.UNBOUNDED
        && !(strategy.getWindowFn() instanceof GlobalWindows)
        && strategy.getWindowFn().isNonMerging()
        && strategy.getAllowedLateness().equals(Duration.ZERO)
        && strategy.getTimestampCombiner() == TimestampCombiner.END_OF_WINDOW
        && earlyPanes(strategy, batchInterval) != null;
  }

  /**
   * The early panes' delay under {@code strategy}'s trigger, one of the windowed triggers of
   * docs/semantics.md ("Triggers and write methods"): {@code batchInterval} for {@code update} and
   * {@code complete}, zero for {@code append} (none); null for any other trigger.
   */
  static Duration earlyPanes(WindowingStrategy<?, ?> strategy, Duration batchInterval) {
    if (strategy.getTrigger().equals(AfterWatermark.pastEndOfWindow())) {
      return Duration.ZERO;
    }
    boolean everyBatch = strategy.getTrigger().equals(AfterWatermark.pastEndOfWindow()
        .withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(batchInterval)));
    return everyBatch ? batchInterval : null;
  }

  /** The replacement: combine in each bundle, key by shard, accumulate each shard's groups. */
  static final class Sharded<K, InputT, AccumT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {

    private final CombineFn<InputT, AccumT, OutputT> fn;
    private final Coder<KV<K, OutputT>> outputCoder;
    private final Duration batchInterval;
    private final int shards;

    @SuppressWarnings("unchecked")
    Sharded(CombineFn<?, ?, ?> fn, Coder<?> outputCoder, Duration batchInterval, int shards) {
      this.fn = (CombineFn<InputT, AccumT, OutputT>) fn;
      this.outputCoder = (Coder<KV<K, OutputT>>) outputCoder;
      this.batchInterval = batchInterval;
      this.shards = shards;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
      Duration early = earlyPanes(strategy, batchInterval);
      PCollection<KV<K, AccumT>> partials = CombineReplacement.combineInBundle(input, fn);
      KvCoder<K, AccumT> partialCoder = (KvCoder<K, AccumT>) partials.getCoder();
      return partials
          .apply("KeyByShard", ParDo.of(new KeyByShardFn<K, AccumT>(partialCoder.getKeyCoder(), shards)))
          .setCoder(KvCoder.of(VarIntCoder.of(), partialCoder))
          .apply("AccumulateInShards", ParDo.of(new AccumulateInShardsFn<K, AccumT, OutputT>(
              fn, partialCoder.getKeyCoder(), partialCoder.getValueCoder(),
              early.equals(Duration.ZERO) ? null : early)))
          .setCoder(outputCoder)
          // What the grouping's output had: the trigger that follows a firing.
          .setWindowingStrategyInternal(
              strategy.withTrigger(strategy.getTrigger().getContinuationTrigger()));
    }
  }

  /** Keys each partial by the shard of its group. */
  static final class KeyByShardFn<K, AccumT> extends DoFn<KV<K, AccumT>, KV<Integer, KV<K, AccumT>>> {
    private final Coder<K> keyCoder;
    private final int shards;

    KeyByShardFn(Coder<K> keyCoder, int shards) {
      this.keyCoder = keyCoder;
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element KV<K, AccumT> partial, OutputReceiver<KV<Integer, KV<K, AccumT>>> out) {
      K key = partial.getKey();
      // As CombineInBundleFn compares keys: a Row by its values, any other key by its coder.
      Object structural = key instanceof Row ? key : keyCoder.structuralValue(key);
      out.output(KV.of(Math.floorMod(Objects.hashCode(structural), shards), partial));
    }
  }
}
