package io.aggregator.runners;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;

/**
 * The groups of one shard in one window, each with its accumulator, emitted as the trigger they
 * replace would emit them ({@link AccumulateInShards}): an early pane {@code batchInterval} of
 * processing time after a group's first partial since its last pane, and an on-time pane of every
 * group when the watermark passes the end of the window (docs/semantics.md, "Triggers and write
 * methods"). Without {@code batchInterval} ({@code append}) only the on-time panes. The shard
 * holds one processing-time timer, at the earliest due change, and one event-time timer, at the
 * end of the window, for all its groups.
 */
final class AccumulateInShardsFn<K, AccumT, OutputT>
    extends DoFn<KV<Integer, KV<K, AccumT>>, KV<K, OutputT>> {

  /** Where a pane goes: its value, in the window being processed, with its pane. */
  private interface Emitter<T> {
    void emit(T value, PaneInfo pane);
  }

  private final CombineFn<?, AccumT, OutputT> fn;
  private final Duration batchInterval; // null: no early panes

  @StateId("groups")
  private final StateSpec<MapState<K, GroupInShard<AccumT>>> groupsSpec;

  /** When the earliest pending change of the shard is due (processing time, millis). */
  @StateId("nextDue")
  private final StateSpec<ValueState<Long>> nextDueSpec = StateSpecs.value(VarLongCoder.of());

  @TimerId("early")
  private final TimerSpec earlySpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId("windowEnd")
  private final TimerSpec windowEndSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  AccumulateInShardsFn(CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder,
      Coder<AccumT> accumulatorCoder, Duration batchInterval) {
    this.fn = fn;
    this.batchInterval = batchInterval;
    this.groupsSpec = StateSpecs.map(keyCoder, new GroupInShard.GroupCoder<>(accumulatorCoder));
  }

  @ProcessElement
  public void process(
      ProcessContext context,
      BoundedWindow window,
      @StateId("groups") MapState<K, GroupInShard<AccumT>> groups,
      @StateId("nextDue") ValueState<Long> nextDue,
      @TimerId("early") Timer early,
      @TimerId("windowEnd") Timer windowEnd) {
    K key = context.element().getValue().getKey();
    AccumT partial = context.element().getValue().getValue();
    if (groups.isEmpty().read()) {
      windowEnd.set(window.maxTimestamp()); // once per shard and window, not per group
    }
    GroupInShard<AccumT> group = groups.get(key).read();
    // A partial is an input of this step and must not change: a new group starts from a fresh
    // accumulator, which the merge may change in place.
    AccumT merged = fn.mergeAccumulators(
        List.of(group == null ? fn.createAccumulator() : group.accumulator(), partial));
    if (batchInterval == null) {
      groups.put(key, new GroupInShard<>(merged, 0, GroupInShard.NOTHING_DUE));
      return;
    }
    long now = early.getCurrentRelativeTime().getMillis();
    long due = group != null && group.pending() ? group.due() : now + batchInterval.getMillis();
    groups.put(key, new GroupInShard<>(merged, group == null ? 0 : group.panes(), due));
    Long next = nextDue.read();
    if (next != null && now >= next) {
      // As in AccumulateInStateFn: under a steady stream the DirectRunner may hold back a timer
      // while the key's input keeps coming, so an element that finds a change due emits it.
      emitDue(now, groups, nextDue, early, out(context, window));
    } else if (next == null || due < next) {
      nextDue.write(due);
      early.offset(Duration.millis(due - now)).setRelative();
    }
  }

  @OnTimer("early")
  public void onEarly(
      OnTimerContext context,
      @StateId("groups") MapState<K, GroupInShard<AccumT>> groups,
      @StateId("nextDue") ValueState<Long> nextDue,
      @TimerId("early") Timer early) {
    emitDue(early.getCurrentRelativeTime().getMillis(), groups, nextDue, early,
        out(context, context.window()));
  }

  /** The on-time pane of every group (Beam fires it even without a change since the last). */
  @OnTimer("windowEnd")
  public void onWindowEnd(
      OnTimerContext context,
      @StateId("groups") MapState<K, GroupInShard<AccumT>> groups,
      @StateId("nextDue") ValueState<Long> nextDue,
      @TimerId("early") Timer early) {
    Emitter<KV<K, OutputT>> out = out(context, context.window());
    for (Map.Entry<K, GroupInShard<AccumT>> entry : groups.entries().read()) {
      GroupInShard<AccumT> group = entry.getValue();
      out.emit(KV.of(entry.getKey(), fn.extractOutput(group.accumulator())),
          PaneInfo.createPane(group.panes() == 0, true, PaneInfo.Timing.ON_TIME, group.panes(), 0));
    }
    // Allowed lateness is zero: nothing more joins this window, its state can go now.
    groups.clear();
    nextDue.clear();
    if (batchInterval != null) {
      early.clear();
    }
  }

  /** Emits the early pane of each group due by {@code now}; the timer moves to the next one. */
  private void emitDue(long now, MapState<K, GroupInShard<AccumT>> groups,
      ValueState<Long> nextDue, Timer early, Emitter<KV<K, OutputT>> out) {
    long next = GroupInShard.NOTHING_DUE;
    List<KV<K, GroupInShard<AccumT>>> emitted = new ArrayList<>();
    for (Map.Entry<K, GroupInShard<AccumT>> entry : groups.entries().read()) {
      GroupInShard<AccumT> group = entry.getValue();
      if (group.due() <= now) {
        out.emit(KV.of(entry.getKey(), fn.extractOutput(group.accumulator())),
            PaneInfo.createPane(group.panes() == 0, false, PaneInfo.Timing.EARLY, group.panes(), -1));
        emitted.add(KV.of(entry.getKey(), group.emitted()));
      } else {
        next = Math.min(next, group.due());
      }
    }
    emitted.forEach(kv -> groups.put(kv.getKey(), kv.getValue())); // not while iterating the map
    if (next == GroupInShard.NOTHING_DUE) {
      nextDue.clear();
    } else {
      nextDue.write(next);
      early.offset(Duration.millis(next - now)).setRelative();
    }
  }

  /** Emits into {@code window} at its end, as the combine's END_OF_WINDOW timestamps did. */
  private Emitter<KV<K, OutputT>> out(WindowedContext context, BoundedWindow window) {
    return (value, pane) ->
        context.outputWindowedValue(value, window.maxTimestamp(), List.of(window), pane);
  }
}
